// Transcript editing logic for TranscriptPanel: times, find/replace, speakers, word re-timing after edits,
// the playing word, and quotes for the draft. Pure functions over the Rust `Transcript` shape.

import type { Segment, Transcript, TranscriptNote, Word } from './bindings';
import { messages, tr } from './i18n.svelte';
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

// The transcription's progress (audio done, time left) and its notes on a transcript, in the interface's
// language: worded from the numbers and the notes' codes, never from the engine's English.

const M = messages(
  {
    audioDone: (done: string) => `${done} s of audio done`,
    audioDoneLeft: (done: string, left: string) => `${done} s of audio done, about ${left} s left`,
    endsEarly: (s: string) => `the file ends early (cut off after ${s} s); the rest is lost`,
    damagedPackets: (n: string) => `${n} damaged audio packets were skipped`,
    vadFailed: (why: string) => `pauses were decoded too: the voice-activity model failed (${why})`,
    vadMissing: (command: string) => `pauses were decoded too: the voice-activity model is not installed (${command})`,
    speakerModelFailed: (why: string, command: string) =>
      `speakers were told apart without the speaker model, which is much less reliable: it failed to load (${why}); ${command} installs it again`,
    speakerModelMissing: (command: string) =>
      `speakers were told apart without the speaker model, which is much less reliable: it is not installed (${command})`,
    repetitionRetried: (s: string) => `repetition at ${s} s: decoded again at a higher temperature`,
    repetitionRemoved: (s: string) => `repetition at ${s} s: repeated words removed`,
    pausesSkipped: (quiet: string, all: string) => `pauses skipped: ${quiet} s of ${all} s held no speech (voice-activity detection)`,
    noSpeech: 'no speech was detected',
    recognised: (pairs: string[]) => `voices recognised from earlier recordings: ${pairs.join(', ')}`,
    recognisedPair: (from: string, to: string) => `${from} is ${to}`,
    toldApart: (n: string, method: string) => `${n} ${n === '1' ? 'speaker' : 'speakers'} told apart (${method})`,
    byChannel: 'one voice per channel of the recording',
    byCampp: 'CAM++ speaker embeddings',
    bySpectrum: 'spectral statistics (no speaker model installed)',
    pull: (model: string) => `\`byline models pull ${model}\``,
  },
  {
    audioDone: (done: string) => `已处理 ${done} 秒音频`,
    audioDoneLeft: (done: string, left: string) => `已处理 ${done} 秒音频，约剩 ${left} 秒`,
    endsEarly: (s: string) => `文件提前结束（在 ${s} 秒处中断），之后的内容已丢失`,
    damagedPackets: (n: string) => `跳过了 ${n} 个损坏的音频包`,
    vadFailed: (why: string) => `未能跳过停顿：语音活动检测模型出错（${why}）`,
    vadMissing: (command: string) => `未能跳过停顿：未安装语音活动检测模型（${command}）`,
    speakerModelFailed: (why: string, command: string) =>
      `区分说话人时没有用到说话人模型，准确度低得多：模型加载失败（${why}），运行 ${command} 可重新安装`,
    speakerModelMissing: (command: string) =>
      `区分说话人时没有用到说话人模型，准确度低得多：模型未安装（${command}）`,
    repetitionRetried: (s: string) => `${s} 秒处出现重复：已用更高的温度重新解码`,
    repetitionRemoved: (s: string) => `${s} 秒处出现重复：已删去重复的词`,
    pausesSkipped: (quiet: string, all: string) => `已跳过停顿：${all} 秒中有 ${quiet} 秒没有语音（语音活动检测）`,
    noSpeech: '未检测到语音',
    recognised: (pairs: string[]) => `根据以往录音认出的声音：${pairs.join('，')}`,
    recognisedPair: (from: string, to: string) => `${from} 即 ${to}`,
    toldApart: (n: string, method: string) => `区分出 ${n} 位说话人（${method}）`,
    byChannel: '按声道区分，每个声道一人',
    byCampp: 'CAM++ 声纹特征',
    bySpectrum: '频谱统计，未安装说话人模型',
    pull: (model: string) => `\`byline models pull ${model}\``,
  },
);

/** Where a transcription is, from its progress (milliseconds of audio done, of the total when known) and how
 * fast it has gone since its first report (`rate`: milliseconds of audio per second, null until known). */
export function progressText(done: number, total: number | null, rate: number | null): string {
  const t = tr(M);
  const seconds = (ms: number) => (ms / 1000).toFixed(0);
  if (total === null || rate === null || rate <= 0 || done <= 0) return t.audioDone(seconds(done));
  return t.audioDoneLeft(seconds(done), ((Math.max(0, total - done) / rate)).toFixed(0));
}

/** A note the engine left on a transcript ("no speech was detected") in the interface's language. Notes that
 * earlier versions stored as sentences are shown as they were written. */
export function noteText(note: TranscriptNote): string {
  const t = tr(M);
  const seconds = (s: number, digits = 0) => s.toFixed(digits);
  switch (note.code) {
    case 'ends_early':
      return t.endsEarly(seconds(note.at_s, 1));
    case 'damaged_packets':
      return t.damagedPackets(String(note.count));
    case 'vad_failed':
      return t.vadFailed(note.error);
    case 'vad_missing':
      return t.vadMissing(t.pull(note.model));
    case 'speaker_model_failed':
      return t.speakerModelFailed(note.error, t.pull(note.model));
    case 'speaker_model_missing':
      return t.speakerModelMissing(t.pull(note.model));
    case 'repetition_retried':
      return t.repetitionRetried(seconds(note.at_s));
    case 'repetition_removed':
      return t.repetitionRemoved(seconds(note.at_s));
    case 'pauses_skipped':
      return t.pausesSkipped(seconds(note.quiet_s), seconds(note.total_s));
    case 'no_speech':
      return t.noSpeech;
    case 'voices_recognised':
      return t.recognised(note.voices.map((v) => t.recognisedPair(v.from, v.to)));
    case 'speakers_told_apart': {
      const how = { channels: t.byChannel, campp: t.byCampp, spectral: t.bySpectrum }[note.method];
      return t.toldApart(String(note.count), how);
    }
    case 'text':
      return note.text;
  }
}
