import { describe, expect, it } from 'vitest';
import { matches, matchesAny, moveIndex, SHORTCUTS } from './keys';

const key = (k: string, mods: Partial<{ ctrl: boolean; meta: boolean; shift: boolean; alt: boolean }> = {}) => ({
  key: k,
  ctrlKey: !!mods.ctrl,
  metaKey: !!mods.meta,
  shiftKey: !!mods.shift,
  altKey: !!mods.alt,
});

describe('matches', () => {
  it('treats Mod as Ctrl or Cmd', () => {
    expect(matches(key('k', { ctrl: true }), 'Mod+K')).toBe(true);
    expect(matches(key('K', { meta: true }), 'Mod+K')).toBe(true);
    expect(matches(key('k'), 'Mod+K')).toBe(false);
  });

  it('rejects extra modifiers', () => {
    expect(matches(key('s', { ctrl: true, shift: true }), 'Mod+S')).toBe(false);
    expect(matches(key('s', { ctrl: true, alt: true }), 'Mod+S')).toBe(false);
    expect(matches(key('S', { ctrl: true, shift: true }), 'Mod+Shift+S')).toBe(true);
  });

  it('distinguishes Ctrl from Mod', () => {
    expect(matches(key('f', { ctrl: true }), 'Ctrl+F')).toBe(true);
    expect(matches(key('f', { meta: true }), 'Ctrl+F')).toBe(false);
  });

  it('matches plain keys', () => {
    expect(matches(key('Escape'), 'Escape')).toBe(true);
    expect(matches(key('Escape', { ctrl: true }), 'Escape')).toBe(false);
    expect(matchesAny(key('f', { ctrl: true }), SHORTCUTS.find)).toBe(true);
  });
});

describe('moveIndex', () => {
  it('clamps to the list', () => {
    expect(moveIndex(-1, 1, 3)).toBe(0);
    expect(moveIndex(-1, -1, 3)).toBe(2);
    expect(moveIndex(2, 1, 3)).toBe(2);
    expect(moveIndex(0, -1, 3)).toBe(0);
    expect(moveIndex(0, 1, 0)).toBe(-1);
  });
});
