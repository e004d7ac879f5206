import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { INFO_MS, Notices } from './notices.svelte';
import { FakeTimer } from './testing/fakeTimer';

function make() {
  const timer = new FakeTimer();
  return { timer, notices: new Notices(timer, false) };
}

describe('Notices', () => {
  it('closes information by itself', () => {
    const { timer, notices } = make();
    notices.info('Indexed 4 articles.');
    expect(notices.items).toHaveLength(1);
    timer.advance(INFO_MS - 1);
    expect(notices.items).toHaveLength(1);
    timer.advance(1);
    expect(notices.items).toHaveLength(0);
  });

  it('keeps errors until dismissed, one per code and context, with a count', () => {
    const { timer, notices } = make();
    notices.error(new ApiError('io', 'writing /tmp/a: denied'), 'save');
    notices.error(new ApiError('io', 'writing /tmp/b: denied'), 'save');
    notices.error(new ApiError('io', 'reading x'), 'export');
    timer.advance(INFO_MS * 10);
    expect(notices.items).toHaveLength(2);
    const save = notices.items[0];
    expect(save.count).toBe(2);
    expect(save.details).toBe('writing /tmp/b: denied');
    notices.dismiss(save.id);
    expect(notices.items.map((n) => n.context)).toEqual(['export']);
  });

  it('shows a sentence, with the code and raw message kept for Details', () => {
    const { notices } = make();
    notices.error(
      new ApiError('io', 'https://huggingface.co/x/model.bin: failed to lookup address information'),
      'download',
    );
    const n = notices.items[0];
    expect(n.message).not.toMatch(/https?:|\bio\b/);
    expect(n.details).toContain('https://huggingface.co');
    expect(n.code).toBe('io');
    expect(n.title).toBe('Download failed');
  });

  it('clears what concerned a screen when the reporter leaves it', () => {
    const { notices } = make();
    notices.error(new ApiError('io', 'x'), 'verify');
    notices.error(new ApiError('not_found', 'installed model m was not found'), 'related articles');
    notices.error(new ApiError('database', 'locked'), 'save');
    notices.info('Downloaded Whisper base', 'models');
    notices.leave('models');
    expect(notices.items.map((n) => n.context)).toEqual(['related articles', 'save']);
    notices.leave('related');
    expect(notices.items.map((n) => n.context)).toEqual(['save']);
  });
});
