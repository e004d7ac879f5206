// Transcript editing logic for TranscriptPanel: times, find/replace, speakers, word re-timing after edits,
// the playing word, and quotes for the draft. Pure functions over the Rust `Transcript` shape.

import type { Segment, Transcript, Word } from './bindings';
export type {
  InputDevice,
  Meter as LevelEvent,
  LiveUpdate,
  Segment,
  StoredTranscript,
  TranscribeEvent,
  Transcript,
  TranscriptSummary,
  Word,
  Options as TranscribeOptions,
  Progress as TranscribeProgress,
} from './bindings';

export type TranscriptExportFormat = 'srt' | 'vtt' | 'txt' | 'json' | 'docx' | 'md';

/** `1:02`, `1:02:03` past an hour; with `ms`, `1:02.345`. */
export function formatTime(seconds: number, ms = false): string {
  const total = Math.max(0, seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.floor(total % 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  let out = h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  if (ms) out += `.${String(Math.floor((total * 1000) % 1000)).padStart(3, '0')}`;
  return out;
}

/** Index [segment, word] of the word being spoken at `time`, or null. */
export function wordAt(t: Transcript, time: number): [number, number] | null {
  for (let si = 0; si < t.segments.length; si++) {
    const seg = t.segments[si];
    if (time < seg.start) return null;
    for (let wi = 0; wi < seg.words.length; wi++) {
      const w = seg.words[wi];
      if (time >= w.start && time < Math.max(w.end, w.start + 0.05)) return [si, wi];
    }
  }
  return null;
}

/**
 * Words for edited text: the old timings when the word count is unchanged (a spelling fix), otherwise
 * spread evenly over the segment, so clicking a word still lands near it.
 */
export function retime(seg: Segment, text: string): Word[] {
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.length === seg.words.length) {
    return seg.words.map((w, i) => ({ ...w, text: tokens[i] }));
  }
  const span = Math.max(0, seg.end - seg.start);
  return tokens.map((tok, i) => ({
    start: seg.start + (span * i) / tokens.length,
    end: seg.start + (span * (i + 1)) / tokens.length,
    text: tok,
    p: 1,
  }));
}

function cloneWith(t: Transcript, segments: Segment[]): Transcript {
  return { ...t, segments };
}

export function setSegmentText(t: Transcript, index: number, text: string): Transcript {
  return cloneWith(
    t,
    t.segments.map((s, i) => (i === index ? { ...s, text: text.trim(), words: retime(s, text) } : s)),
  );
}

export function setSpeaker(t: Transcript, index: number, speaker: string | null): Transcript {
  const name = speaker?.trim() || null;
  return cloneWith(
    t,
    t.segments.map((s, i) => (i === index ? { ...s, speaker: name } : s)),
  );
}

/** Gives the turns `from` to `to` (either order) to `speaker`, in one step: a new name splits those turns off
 * the speaker the diarization gave them, an existing name moves them to that speaker, an empty one clears them.
 * Words, times and the number of turns stay as they are (the raw transcript pairs with them turn by turn). */
export function setSpeakerOfTurns(t: Transcript, from: number, to: number, speaker: string | null): Transcript {
  const name = speaker?.trim() || null;
  const [lo, hi] = from <= to ? [from, to] : [to, from];
  return cloneWith(
    t,
    t.segments.map((s, i) => (i >= lo && i <= hi ? { ...s, speaker: name } : s)),
  );
}

/** Renames a speaker everywhere. */
export function renameSpeaker(t: Transcript, from: string, to: string): Transcript {
  const name = to.trim();
  if (!name) return t;
  return cloneWith(
    t,
    t.segments.map((s) => (s.speaker === from ? { ...s, speaker: name } : s)),
  );
}

/** Speaker names in order of first appearance. */
export function speakers(t: Transcript): string[] {
  const seen: string[] = [];
  for (const s of t.segments) if (s.speaker && !seen.includes(s.speaker)) seen.push(s.speaker);
  return seen;
}

/** Seconds each speaker talks (the spans of their segments). */
export function speakingTime(t: Transcript): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of t.segments) if (s.speaker) out.set(s.speaker, (out.get(s.speaker) ?? 0) + Math.max(0, s.end - s.start));
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pattern(query: string, caseSensitive: boolean): RegExp | null {
  if (!query) return null;
  return new RegExp(escapeRegExp(query), caseSensitive ? 'g' : 'gi');
}

export type Match = { segment: number; index: number; length: number };

export function findMatches(t: Transcript, query: string, caseSensitive = false): Match[] {
  const re = pattern(query, caseSensitive);
  if (!re) return [];
  const out: Match[] = [];
  t.segments.forEach((s, segment) => {
    for (const m of s.text.matchAll(re)) out.push({ segment, index: m.index ?? 0, length: m[0].length });
  });
  return out;
}

/** Replaces every match; returns the new transcript and how many were replaced. */
export function replaceAll(
  t: Transcript,
  query: string,
  replacement: string,
  caseSensitive = false,
): { transcript: Transcript; count: number } {
  const re = pattern(query, caseSensitive);
  if (!re) return { transcript: t, count: 0 };
  let count = 0;
  const segments = t.segments.map((s) => {
    const n = [...s.text.matchAll(re)].length;
    if (n === 0) return s;
    count += n;
    const text = s.text.replace(re, () => replacement);
    return { ...s, text, words: retime(s, text) };
  });
  return { transcript: cloneWith(t, segments), count };
}

/** A quote for the draft: the text, who said it and when. */
export function quoteForDraft(t: Transcript, from: number, to: number): { text: string; start: number; markdown: string } {
  const segs = t.segments.slice(Math.min(from, to), Math.max(from, to) + 1);
  if (segs.length === 0) return { text: '', start: 0, markdown: '' };
  const text = segs.map((s) => s.text.trim()).join(' ');
  const who = segs[0].speaker ? `${segs[0].speaker}, ` : '';
  const start = segs[0].start;
  return { text, start, markdown: `> “${text}”\n> — ${who}${formatTime(start)}` };
}
