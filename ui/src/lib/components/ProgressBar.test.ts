import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import ProgressBar from './ProgressBar.svelte';

const bar = (props: { done: number; total: number | null; complete?: boolean }) =>
  render(ProgressBar, { props: { label: 'Importing articles', testid: 'p', ...props } }).body;

describe('ProgressBar', () => {
  it('fills in proportion when the total is known', () => {
    const out = bar({ done: 30, total: 120 });
    expect(out).toContain('aria-valuenow="25"');
    expect(out).toContain('width: 25%');
    expect(out).toContain('aria-label="Importing articles"');
    expect(out).toContain('data-testid="p"');
    expect(out).not.toContain('indeterminate');
  });

  it('slides without a value while the total is unknown', () => {
    for (const total of [null, 0]) {
      const out = bar({ done: 7, total });
      expect(out).toContain('indeterminate');
      expect(out).not.toContain('aria-valuenow');
    }
  });

  it('never passes the ends, and shows a finished job full', () => {
    expect(bar({ done: 500, total: 120 })).toContain('aria-valuenow="100"');
    expect(bar({ done: -3, total: 120 })).toContain('aria-valuenow="0"');
    expect(bar({ done: 0, total: null, complete: true })).toContain('aria-valuenow="100"');
  });
});
