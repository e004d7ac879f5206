import { describe, expect, it } from 'vitest';
import {
  TONE_LEGEND,
  scoreMeaning,
  toneAfter,
  bucketLabel,
  byteToCharIndex,
  chartBars,
  formatScore,
  highlights,
  labelOf,
  meanLine,
  resultMatches,
  type Distribution,
  type DraftSentiment,
  type SentenceScore,
  type TextSentiment,
} from './sentiment';

function sentence(text: string, full: string, score: number): SentenceScore {
  const enc = new TextEncoder();
  const at = full.indexOf(text);
  const start = enc.encode(full.slice(0, at)).length;
  return {
    start,
    end: start + enc.encode(text).length,
    text,
    paragraph: 0,
    language: 'en',
    engine: 'lexicon',
    score,
    label: labelOf(score),
    model_label: null,
  };
}

describe('labels and scores', () => {
  it('uses the ±0.05 band', () => {
    expect(labelOf(0.05)).toBe('positive');
    expect(labelOf(0.049)).toBe('neutral');
    expect(labelOf(-0.05)).toBe('negative');
  });
  it('formats with a real minus sign and no negative zero', () => {
    expect(formatScore(0.4215)).toBe('+0.42');
    expect(formatScore(-0.1)).toBe('\u22120.10');
    expect(formatScore(-0.001)).toBe('+0.00');
  });
});

describe('highlights', () => {
  it('maps UTF-8 byte offsets to string indices, CJK and emoji included', () => {
    const t = 'a好😀b';
    expect(byteToCharIndex(t, 1)).toBe(1);
    expect(byteToCharIndex(t, 4)).toBe(2);
    expect(byteToCharIndex(t, 8)).toBe(4);
  });
  it('covers the whole draft with sentence runs and gaps', () => {
    const text = 'Great news!  这太糟糕了。\n\nFine.';
    const s = [sentence('Great news!', text, 0.6), sentence('这太糟糕了。', text, -0.8), sentence('Fine.', text, 0.2)];
    const runs = highlights(text, s);
    expect(runs.map((r) => r.text).join('')).toBe(text);
    expect(runs.filter((r) => r.sentence !== null).map((r) => r.label)).toEqual(['positive', 'negative', 'positive']);
    expect(runs[1]).toEqual({ text: '  ', sentence: null, label: null, score: null });
  });
  it('detects results that no longer fit the edited draft', () => {
    const text = 'Good. Bad.';
    const result: TextSentiment = {
      engine_choice: 'auto',
      model: null,
      sentences: [sentence('Good.', text, 0.4), sentence('Bad.', text, -0.5)],
      paragraphs: [],
      overall: { score: 0, positive: 1, neutral: 0, negative: 1 },
    };
    expect(resultMatches(text, result)).toBe(true);
    expect(resultMatches('Good! Bad.', result)).toBe(false);
    expect(resultMatches('Good.', result)).toBe(false);
  });
});

describe('comment chart', () => {
  const empty = { start: '', positive: 0, neutral: 0, negative: 0, mean: 0 };
  const dist: Distribution = {
    bucket: 'hour',
    total: 5,
    mean: 0,
    undated: empty,
    buckets: [
      { start: '2024-05-01T10:00:00Z', positive: 2, neutral: 0, negative: 2, mean: 0 },
      { ...empty, start: '2024-05-01T11:00:00Z' },
      { start: '2024-05-01T12:00:00Z', positive: 1, neutral: 0, negative: 0, mean: 1 },
    ],
  };
  it('stacks negative, neutral, positive and scales to the tallest bucket', () => {
    const bars = chartBars(dist, 300, 100);
    expect(bars).toHaveLength(3);
    expect(bars[0].segments.map((s) => s.label)).toEqual(['negative', 'positive']);
    expect(bars[0].segments[0]).toMatchObject({ y: 50, height: 50 });
    expect(bars[0].segments[1]).toMatchObject({ y: 0, height: 50 });
    expect(bars[1].segments).toEqual([]);
    expect(bars[2].x).toBeCloseTo(210);
    expect(chartBars({ ...dist, buckets: [] }, 300, 100)).toEqual([]);
  });
  it('draws the mean line through non-empty buckets only', () => {
    expect(meanLine(dist, 300, 100)).toBe('50.0,50.0 250.0,0.0');
  });
  it('labels buckets by size', () => {
    expect(bucketLabel('2024-05-01T10:00:00Z', 'hour')).toBe('05-01 10:00');
    expect(bucketLabel('2024-05-01T00:00:00Z', 'day')).toBe('2024-05-01');
  });
});

describe('tone legend and failures', () => {
  it('explains what a score means', () => {
    expect(scoreMeaning(0.42)).toBe('+0.42 is positive (scores run from −1, very negative, to +1, very positive).');
    expect(scoreMeaning(-0.3)).toContain('negative');
    expect(scoreMeaning(0.01)).toContain('neutral');
    expect(TONE_LEGEND.map((l) => l.label)).toEqual(['negative', 'neutral', 'positive']);
  });

  it('clears the previous score when a run fails', () => {
    const overall = { score: 0.5, positive: 1, neutral: 0, negative: 0 };
    const result: DraftSentiment = {
      text: { engine_choice: 'auto', model: null, sentences: [], paragraphs: [], overall },
      quotes: [],
    };
    expect(toneAfter({ ok: true, result, text: 'Good.' })).toEqual({ result, scoredText: 'Good.', failure: null });
    expect(toneAfter({ ok: false, error: 'offline' })).toEqual({ result: null, scoredText: '', failure: 'offline' });
  });
});
