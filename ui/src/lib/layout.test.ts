import { describe, expect, it } from 'vitest';
import { SIDE_TABS, toggleSide } from './layout';

describe('side panels', () => {
  it('toggles and switches', () => {
    expect(toggleSide(null, 'related')).toBe('related');
    expect(toggleSide('related', 'related')).toBe(null);
    expect(toggleSide('related', 'images')).toBe('images');
  });

  it('has one entry per panel with a shortcut', () => {
    const ids = SIDE_TABS.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of SIDE_TABS) expect(t.shortcut).toMatch(/^Ctrl\+Shift\+[A-Z]$/);
  });
});
