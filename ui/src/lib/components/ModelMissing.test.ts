import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import ModelMissing from './ModelMissing.svelte';

const noop = () => {};

describe('ModelMissing', () => {
  it('names the recommended model and links to it', () => {
    const out = render(ModelMissing, { props: { feature: 'related', onopenmodels: noop } }).body;
    expect(out).toContain('data-feature="related"');
    expect(out).toContain('data-model="all-minilm-l6-v2"');
    expect(out).toContain('all-MiniLM-L6-v2 (all-minilm-l6-v2)');
    expect(out).toContain('data-testid="model-missing-open"');
    expect(out).not.toContain('byline models pull');
  });

  it('recommends a multilingual speech model for transcripts and keeps a panel’s own test id', () => {
    const out = render(ModelMissing, {
      props: { feature: 'transcripts', onopenmodels: noop, openTestId: 'transcripts-open-models' },
    }).body;
    expect(out).toContain('data-model="whisper-base"');
    expect(out).toContain('data-testid="transcripts-open-models"');
  });
});
