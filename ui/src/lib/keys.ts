// Keyboard shortcut matching. "Mod" means Ctrl, or Cmd on macOS; we accept
// either everywhere because journalists move between machines.

export type KeyLike = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;

type Combo = { mod: boolean; ctrl: boolean; shift: boolean; alt: boolean; key: string };

function parse(shortcut: string): Combo {
  const parts = shortcut.split('+').map((p) => p.trim());
  const key = parts.pop() ?? '';
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  return {
    mod: mods.has('mod'),
    ctrl: mods.has('ctrl'),
    shift: mods.has('shift'),
    alt: mods.has('alt'),
    key: key.toLowerCase(),
  };
}

/** True when the event is exactly the shortcut: no missing and no extra modifiers. */
export function matches(event: KeyLike, shortcut: string): boolean {
  const c = parse(shortcut);
  if (event.key.toLowerCase() !== c.key) return false;
  if (event.shiftKey !== c.shift || event.altKey !== c.alt) return false;
  if (c.mod) return event.ctrlKey !== event.metaKey; // one of them, not both
  if (c.ctrl) return event.ctrlKey && !event.metaKey;
  return !event.ctrlKey && !event.metaKey;
}

export function matchesAny(event: KeyLike, shortcuts: readonly string[]): boolean {
  return shortcuts.some((s) => matches(event, s));
}

export const SHORTCUTS = {
  find: ['Mod+K', 'Ctrl+F', 'Mod+F'],
  newArticle: ['Mod+N'],
  save: ['Mod+S'],
  import: ['Mod+O'],
  revisions: ['Mod+Shift+H'],
  preview: ['Mod+Shift+P'],
  related: ['Mod+Shift+R'],
  assistant: ['Mod+Shift+G'],
  tone: ['Mod+Shift+T'],
  quotes: ['Mod+Shift+Q'],
  images: ['Mod+Shift+I'],
  readAloud: ['Mod+Shift+L'],
  transcripts: ['Mod+Shift+U'],
} as const;

/** Moves a list cursor by delta, clamped to the list; -1 means nothing selected. */
export function moveIndex(current: number, delta: number, length: number): number {
  if (length === 0) return -1;
  if (current < 0) return delta > 0 ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, current + delta));
}
