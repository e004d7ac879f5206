// Word and character counts that are fair to Chinese and Japanese text, where
// words are not separated by spaces: each CJK ideograph or kana counts as one.
import { formatNumber, messages, tr } from './i18n.svelte';

/** The units `plural` counts in. */
export type Unit = 'word' | 'character' | 'char';

const M = messages(
  {
    word: (n: string, one: boolean) => `${n} ${one ? 'word' : 'words'}`,
    character: (n: string, one: boolean) => `${n} ${one ? 'character' : 'characters'}`,
    char: (n: string, one: boolean) => `${n} ${one ? 'char' : 'chars'}`,
    /** The length of a Chinese or Japanese text, every character but spaces counted. */
    cjkLength: (n: string, one: boolean) => `${n} ${one ? 'character' : 'characters'}`,
    sameSize: 'same size',
    untitled: 'untitled',
  },
  {
    word: (n: string) => `${n} 个词`,
    character: (n: string) => `${n} 个字符`,
    char: (n: string) => `${n} 个字符`,
    cjkLength: (n: string) => `${n} 字`,
    sameSize: '字数不变',
    untitled: '未命名',
  },
);

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;
// A word: letters, digits and combining marks, optionally joined by an
// apostrophe, hyphen or dot (don't, e-mail, 3.5).
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’.\-][\p{L}\p{N}\p{M}]+)*/gu;

export type TextCounts = { words: number; characters: number; cjk: number };

export function countText(text: string): TextCounts {
  const cjk = text.match(CJK)?.length ?? 0;
  // Replace CJK characters by spaces so "abc中文def" counts abc and def apart.
  const rest = cjk > 0 ? text.replace(CJK, ' ') : text;
  const latin = rest.match(WORD)?.length ?? 0;
  return { words: cjk + latin, characters: countCharacters(text), cjk };
}

/** Whether a text is mostly Chinese or Japanese: more CJK characters than words of other scripts. */
export function isMostlyCjk(text: string): boolean {
  const { words, cjk } = countText(text);
  return cjk > 0 && cjk >= words - cjk;
}

/**
 * The length an editor quotes: words for English ("1,234 words"), characters for Chinese ("1,234 characters",
 * every character but spaces and line breaks, as Chinese newsrooms count).
 */
export function lengthLabel(text: string): string {
  if (isMostlyCjk(text)) {
    const n = Array.from(text.replace(/\s+/gu, '')).length;
    return tr(M).cjkLength(formatNumber(n), n === 1);
  }
  return plural(countText(text).words, 'word');
}

export function countWords(text: string): number {
  return countText(text).words;
}

/** Characters as the user sees them (code points, not UTF-16 units), without line breaks. */
export function countCharacters(text: string): number {
  let n = 0;
  for (const ch of text) {
    if (ch !== '\n' && ch !== '\r') n += 1;
  }
  return n;
}

/** The first few words of a text for previews; CJK text is cut by characters. */
export function excerpt(text: string, maxChars = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  if (chars.length <= maxChars) return flat;
  const cut = chars.slice(0, maxChars).join('');
  const space = cut.lastIndexOf(' ');
  // Break at a space when there is one reasonably close to the end.
  const trimmed = space > maxChars * 0.6 ? cut.slice(0, space) : cut;
  return `${trimmed.trimEnd()}…`;
}

/** "+12 chars" / "−3 chars" / "same size" (in Chinese "+12 字" / "字数不变"). */
export function sizeDelta(from: string, to: string): string {
  const d = countCharacters(to) - countCharacters(from);
  if (d === 0) return tr(M).sameSize;
  const sign = d > 0 ? '+' : '−';
  return `${sign}${plural(Math.abs(d), 'char')}`;
}

/** "1,234 words", "1 character": the number as the current language writes it, with its unit. */
export function plural(n: number, unit: Unit): string {
  return tr(M)[unit](formatNumber(n), n === 1);
}

/** A file name for export from an article title, keeping CJK letters. */
export function fileNameFor(title: string, ext: string): string {
  const base = title
    .normalize('NFKC')
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const short = Array.from(base).slice(0, 80).join('').trim();
  return `${short || tr(M).untitled}.${ext}`;
}

/** Keeps the end of a long path (the file name matters most): "…/feeds/wire.jsonl". */
export function tailEllipsis(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `…${chars.slice(chars.length - (max - 1)).join('')}`;
}

const OPENING = /[\s([{“‘"'«「『（【《]/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Inline text put into a body at [from, to): a space before it where it would run into the previous word
 * ("see[link]" → "see [link]"), and after it where a word follows. Blocks (`after`) carry their own breaks.
 */
export function padInline(
  body: string,
  from: number,
  to: number,
  text: string,
  how: 'replace' | 'after',
): { text: string } {
  if (how !== 'replace' || text === '') return { text };
  const before = from > 0 ? body[from - 1] : '';
  const after = to < body.length ? body[to] : '';
  let out = text;
  if (before !== '' && !OPENING.test(before) && !/^\s/u.test(text)) out = ` ${out}`;
  if (after !== '' && WORD_CHAR.test(after) && !/\s$/u.test(text)) out = `${out} `;
  return { text: out };
}
