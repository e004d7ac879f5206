// Sentiment panel logic: the Rust result shapes, highlight segments for the draft, and the
// comments-over-time chart geometry. Pure functions, tested in sentiment.test.ts.

import type { Bucket, BucketSize, Distribution, DraftSentiment, Engine, Label, SentenceScore, TextSentiment } from './bindings';
import { live, localeTag, messages, tr } from './i18n.svelte';
export type {
  Aggregate,
  Bucket,
  BucketSize,
  Distribution,
  DraftSentiment,
  Engine,
  EngineChoice,
  ImportReport,
  Label,
  ParagraphScore,
  QuoteScore,
  SentenceScore,
  SpeakerScore,
  TextSentiment,
  TranscriptSentiment,
  SpeakerSegment as Segment,
} from './bindings';

/** Same band as the Rust side (VADER's customary ±0.05). */
export const NEUTRAL_BAND = 0.05;

export function labelOf(score: number): Label {
  if (score >= NEUTRAL_BAND) return 'positive';
  if (score <= -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}

/** "+0.42" / "−0.10" with a real minus sign, for compact display. */
export function formatScore(score: number): string {
  const s = Math.abs(score).toFixed(2);
  return score < 0 && s !== '0.00' ? `\u2212${s}` : `+${s}`;
}

/** Converts UTF-8 byte offsets (what Rust reports) to JavaScript string indices. */
export function byteToCharIndex(text: string, byteOffset: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteOffset) {
    const cp = text.codePointAt(i) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

export type Highlight = { text: string; sentence: number | null; label: Label | null; score: number | null };

/** Splits the draft into runs: scored sentences (with their label) and the text between them. */
export function highlights(text: string, sentences: SentenceScore[]): Highlight[] {
  const out: Highlight[] = [];
  let pos = 0;
  sentences.forEach((s, i) => {
    const start = byteToCharIndex(text, s.start);
    const end = byteToCharIndex(text, s.end);
    if (start < pos || end > text.length || end < start) return; // stale result for an edited draft
    if (start > pos) out.push({ text: text.slice(pos, start), sentence: null, label: null, score: null });
    out.push({ text: text.slice(start, end), sentence: i, label: s.label, score: s.score });
    pos = end;
  });
  if (pos < text.length) out.push({ text: text.slice(pos), sentence: null, label: null, score: null });
  return out;
}

/** Whether a result still belongs to this draft text (the draft may have changed while scoring). */
export function resultMatches(text: string, result: TextSentiment): boolean {
  const enc = new TextEncoder();
  const bytes = enc.encode(text);
  const dec = new TextDecoder();
  return result.sentences.every((s) => s.end <= bytes.length && dec.decode(bytes.slice(s.start, s.end)) === s.text);
}

export type Bar = { x: number; width: number; segments: { y: number; height: number; label: Label; count: number }[]; bucket: Bucket };

/** Stacked bars (negative at the bottom, then neutral, positive) scaled into width × height. */
export function chartBars(dist: Distribution, width: number, height: number): Bar[] {
  const n = dist.buckets.length;
  if (n === 0) return [];
  const max = Math.max(1, ...dist.buckets.map((b) => b.positive + b.neutral + b.negative));
  const slot = width / n;
  const barWidth = Math.max(1, slot * 0.8);
  return dist.buckets.map((b, i) => {
    let y = height;
    const segments = (['negative', 'neutral', 'positive'] as Label[]).map((label) => {
      const count = b[label];
      const h = (count / max) * height;
      y -= h;
      return { y, height: h, label, count };
    });
    return { x: i * slot + (slot - barWidth) / 2, width: barWidth, segments: segments.filter((s) => s.count > 0), bucket: b };
  });
}

/** Points of the mean-score line, score −1 at the bottom and +1 at the top; empty buckets skipped. */
export function meanLine(dist: Distribution, width: number, height: number): string {
  const n = dist.buckets.length;
  const slot = width / Math.max(1, n);
  return dist.buckets
    .map((b, i) => ({ b, i }))
    .filter(({ b }) => b.positive + b.neutral + b.negative > 0)
    .map(({ b, i }) => `${(i * slot + slot / 2).toFixed(1)},${(((1 - b.mean) / 2) * height).toFixed(1)}`)
    .join(' ');
}

/** Axis label for a bucket start, short enough for narrow bars. */
export function bucketLabel(start: string, size: BucketSize): string {
  const d = new Date(start);
  if (Number.isNaN(d.getTime())) return start;
  const iso = d.toISOString();
  return size === 'hour' ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

const M = messages(
  {
    positive: 'positive',
    neutral: 'neutral',
    negative: 'negative',
    lexicon: 'lexicon',
    chinese: 'chinese',
    model: 'model',
    negativeRange: '−1 to −0.05',
    neutralRange: '−0.05 to +0.05',
    positiveRange: '+0.05 to +1',
    negativeMeaning: 'negative: critical, alarming or sad wording',
    neutralMeaning: 'neutral: factual wording',
    positiveMeaning: 'positive: approving or upbeat wording',
    scoreMeaning: (score: string, label: string) =>
      `${score} is ${label} (scores run from −1, very negative, to +1, very positive).`,
    language: (code: string) => code,
  },
  {
    positive: '正面',
    neutral: '中性',
    negative: '负面',
    lexicon: '词典',
    chinese: '中文',
    model: '模型',
    negativeRange: '−1 至 −0.05',
    neutralRange: '−0.05 至 +0.05',
    positiveRange: '+0.05 至 +1',
    negativeMeaning: '负面：措辞带有批评、警示或悲伤色彩',
    neutralMeaning: '中性：措辞客观，陈述事实',
    positiveMeaning: '正面：措辞带有赞许或积极色彩',
    scoreMeaning: (score: string, label: string) =>
      `${score} 属于${label}（分值从 −1 到 +1，−1 为非常负面，+1 为非常正面）。`,
    language: (code: string) => languageName(code),
  },
);

/** A language code ("en", "zh") as the interface's language names it; the code itself when it has no name. */
function languageName(code: string): string {
  try {
    return new Intl.DisplayNames([localeTag()], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** A label ("positive") as the interface says it. */
export const LABEL_NAME: Readonly<Record<Label, string>> = live(M, {
  positive: 'positive',
  neutral: 'neutral',
  negative: 'negative',
});

/** The engine that scored a sentence, as the interface says it. */
export const ENGINE_NAME: Readonly<Record<Engine, string>> = live(M, {
  lexicon: 'lexicon',
  chinese: 'chinese',
  model: 'model',
});

/** The language a sentence was scored as (an ISO 639-1 code from the engine), as the interface says it. */
export function languageLabel(code: string): string {
  return tr(M).language(code);
}

/** What the scores mean, for the legend under them. */
export const TONE_LEGEND: { label: Label; range: string; meaning: string }[] = [
  {
    label: 'negative',
    get range() {
      return tr(M).negativeRange;
    },
    get meaning() {
      return tr(M).negativeMeaning;
    },
  },
  {
    label: 'neutral',
    get range() {
      return tr(M).neutralRange;
    },
    get meaning() {
      return tr(M).neutralMeaning;
    },
  },
  {
    label: 'positive',
    get range() {
      return tr(M).positiveRange;
    },
    get meaning() {
      return tr(M).positiveMeaning;
    },
  },
];

/** One sentence for a score: "+0.42 is positive (scores run from −1, very negative, to +1, very positive)." */
export function scoreMeaning(score: number): string {
  return tr(M).scoreMeaning(formatScore(score), LABEL_NAME[labelOf(score)]);
}

/** What the Draft tab shows. A failed run clears the old score: a score for other text would mislead. */
export type ToneView<E> = { result: DraftSentiment | null; scoredText: string; failure: E | null };

export function toneAfter<E>(
  outcome: { ok: true; result: DraftSentiment; text: string } | { ok: false; error: E },
): ToneView<E> {
  if (outcome.ok) return { result: outcome.result, scoredText: outcome.text, failure: null };
  return { result: null, scoredText: '', failure: outcome.error };
}
