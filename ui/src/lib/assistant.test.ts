import { describe, expect, it } from 'vitest';
import {
  WAITING,
  waitingStatus,
  insertable,
  invalidNumbers,
  panelLanguage,
  runSummary,
  segmentCitations,
  tasksFor,
  type TaskTemplate,
} from './assistant';

describe('segmentCitations', () => {
  it('marks valid and invalid markers', () => {
    const segs = segmentCitations('Mayor quit [1]. Costs rose [2, 5].', 3);
    expect(segs.map((s) => s.kind)).toEqual(['text', 'cite', 'text', 'cite', 'text']);
    const cites = segs.filter((s) => s.kind === 'cite');
    expect(cites[0]).toMatchObject({ text: '[1]', numbers: [1], valid: true });
    expect(cites[1]).toMatchObject({ text: '[2, 5]', numbers: [2, 5], valid: false, invalid: [5] });
    expect(invalidNumbers(segs)).toEqual([5]);
    expect(segs.map((s) => s.text).join('')).toBe('Mayor quit [1]. Costs rose [2, 5].');
  });

  it('handles Chinese brackets, ranges, and leaves non-citations alone', () => {
    const segs = segmentCitations('市长辞职【1】，上升［2-3］。[sic] [2024] [0]', 3);
    const cites = segs.filter((s) => s.kind === 'cite');
    expect(cites.map((c) => c.text)).toEqual(['【1】', '［2-3］', '[0]']);
    expect(cites[1]).toMatchObject({ numbers: [2, 3], valid: true });
    expect(invalidNumbers(segs)).toEqual([0]);
  });

  it('with no sources every marker is invalid', () => {
    expect(invalidNumbers(segmentCitations('See [1].', 0))).toEqual([1]);
  });

  it('an unclosed marker mid-stream stays text', () => {
    expect(segmentCitations('Costs rose [2', 3)).toEqual([{ kind: 'text', text: 'Costs rose [2' }]);
  });
});

const task = (key: string, language: string): TaskTemplate => ({
  key,
  language,
  name: `${key}-${language}`,
  system: '',
  instruction: '{{ text }}',
  edited: false,
  updated_at: '',
});

describe('tasksFor', () => {
  it('prefers the language and falls back to English, keeping order', () => {
    const tasks = [task('headline', 'en'), task('headline', 'zh'), task('custom', 'en')];
    expect(tasksFor(tasks, 'zh').map((t) => t.name)).toEqual(['headline-zh', 'custom-en']);
    expect(tasksFor(tasks, 'en').map((t) => t.name)).toEqual(['headline-en', 'custom-en']);
  });
  it('picks the panel language from the article', () => {
    expect(panelLanguage('zh-Hans')).toBe('zh');
    expect(panelLanguage('en')).toBe('en');
    expect(panelLanguage(null)).toBe('en');
  });
});

describe('runSummary and insertable', () => {
  it('says why a run ended and how fast', () => {
    const g = {
      text: '',
      stop_reason: 'cancelled' as const,
      prompt_tokens: 10,
      generated_tokens: 20,
      prompt_ms: 5,
      first_token_ms: 6,
      generate_ms: 2000,
      prompt_tok_s: 2000,
      gen_tok_s: 10,
    };
    expect(runSummary(g)).toBe('stopped · 20 tokens · 10.0 tok/s · first text after 0.0 s');
    const measured = { ...g, stop_reason: 'max_tokens' as const, first_token_ms: 1250, gen_tok_s: 31.25 };
    expect(runSummary(measured)).toBe('reached the length limit · 20 tokens · 31.3 tok/s · first text after 1.3 s');
    expect(runSummary({ ...g, generate_ms: 0, gen_tok_s: 0, first_token_ms: null })).toBe('stopped · 20 tokens');
  });
  it('strips whitespace and wrapping quotes', () => {
    expect(insertable('  "A headline"\n')).toBe('A headline');
    expect(insertable('“标题”')).toBe('标题');
    expect(insertable('He said "yes" today')).toBe('He said "yes" today');
  });
});

describe('waitingStatus', () => {
  it('says what happens before the first token, then gives way to the text', () => {
    let status = WAITING.start;
    status = waitingStatus(status, { kind: 'loading', model: 'qwen.gguf' });
    expect(status).toBe('Loading the model (qwen.gguf)…');
    status = waitingStatus(status, { kind: 'notes', notes: ['Freed memory.'] });
    expect(status).toBe('Loading the model (qwen.gguf)…');
    status = waitingStatus(status, { kind: 'reading' });
    expect(status).toBe('Reading the prompt…');
    status = waitingStatus(status, { kind: 'progress', done: 256, total: 1473, message: 'reading the prompt' });
    expect(status).toBe('Reading the prompt… 17% of 1473 tokens');
    status = waitingStatus(status, { kind: 'progress', done: 1473, total: 1473, message: 'reading the prompt' });
    expect(status).toBe('Reading the prompt…');
    expect(waitingStatus(status, { kind: 'token', text: '新' })).toBe('');
  });
});
