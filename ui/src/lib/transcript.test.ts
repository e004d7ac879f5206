import { describe, expect, it } from 'vitest';
import { setLocale } from './i18n.svelte';
import {
  findMatches,
  formatTime,
  noteText,
  progressText,
  quoteForDraft,
  renameSpeaker,
  replaceAll,
  retime,
  setSegmentText,
  setSpeaker,
  setSpeakerOfTurns,
  speakers,
  speakingTime,
  type Transcript,
  wordAt,
} from './transcript';

function sample(): Transcript {
  const w = (start: number, end: number, text: string) => ({ start, end, text, p: 0.9 });
  return {
    language: 'en',
    duration_s: 11,
    segments: [
      {
        start: 0,
        end: 3,
        text: 'And so my fellow Americans,',
        speaker: 'S1',
        words: [w(0, 0.5, 'And'), w(0.5, 1, 'so'), w(1, 1.4, 'my'), w(1.4, 2, 'fellow'), w(2, 3, 'Americans,')],
      },
      {
        start: 3.5,
        end: 8,
        text: 'ask not what your country can do for you',
        speaker: 'S2',
        words: 'ask not what your country can do for you'.split(' ').map((t, i) => w(3.5 + i * 0.5, 4 + i * 0.5, t)),
      },
    ],
  };
}

describe('progressText', () => {
  it('says how much audio is done and, once the rate is known, how long is left', () => {
    expect(progressText(12_400, 60_000, null)).toBe('12 s of audio done');
    expect(progressText(12_000, 60_000, 4_000)).toBe('12 s of audio done, about 12 s left');
    expect(progressText(5_000, null, 4_000)).toBe('5 s of audio done');
    setLocale('zh');
    try {
      expect(progressText(12_000, 60_000, 4_000)).toBe('已处理 12 秒音频，约剩 12 秒');
    } finally {
      setLocale('en');
    }
  });
});

describe('noteText', () => {
  it('words the engine notes from their codes in the interface language', () => {
    expect(noteText({ code: 'speakers_told_apart', count: 2, method: 'campp' })).toBe('2 speakers told apart (CAM++ speaker embeddings)');
    expect(noteText({ code: 'vad_missing', model: 'silero-vad' })).toBe(
      'pauses were decoded too: the voice-activity model is not installed (`byline models pull silero-vad`)',
    );
    expect(noteText({ code: 'text', text: 'a note an earlier version wrote' })).toBe('a note an earlier version wrote');
    setLocale('zh');
    try {
      expect(noteText({ code: 'pauses_skipped', quiet_s: 12.2, total_s: 60 })).toBe('已跳过停顿：60 秒中有 12 秒没有语音（语音活动检测）');
      expect(noteText({ code: 'voices_recognised', voices: [{ from: 'Speaker 1', to: 'Diane' }] })).toBe(
        '根据以往录音认出的声音：Speaker 1 即 Diane',
      );
    } finally {
      setLocale('en');
    }
  });
});

describe('formatTime', () => {
  it('formats minutes, hours and milliseconds', () => {
    expect(formatTime(0)).toBe('0:00');
    expect(formatTime(62.5)).toBe('1:02');
    expect(formatTime(3723)).toBe('1:02:03');
    expect(formatTime(1.25, true)).toBe('0:01.250');
    expect(formatTime(-3)).toBe('0:00');
  });
});

describe('wordAt', () => {
  it('finds the spoken word or nothing', () => {
    const t = sample();
    expect(wordAt(t, 1.5)).toEqual([0, 3]);
    expect(wordAt(t, 3.2)).toBeNull();
    expect(wordAt(t, 4.6)).toEqual([1, 2]);
    expect(wordAt(t, 20)).toBeNull();
  });
});

describe('editing', () => {
  it('keeps word timings for spelling fixes and spreads them otherwise', () => {
    const t = sample();
    const fixed = setSegmentText(t, 0, 'And so, my fellow Americans:');
    expect(fixed.segments[0].words.map((w) => w.start)).toEqual([0, 0.5, 1, 1.4, 2]);
    expect(fixed.segments[0].words[1].text).toBe('so,');
    const longer = retime(t.segments[0], 'And so my dear fellow Americans');
    expect(longer).toHaveLength(6);
    expect(longer[0].start).toBe(0);
    expect(longer[5].end).toBeCloseTo(3);
    expect(t.segments[0].text).toBe('And so my fellow Americans,'); // inputs are not mutated
  });

  it('renames and sets speakers', () => {
    let t = renameSpeaker(sample(), 'S1', 'Kennedy');
    expect(speakers(t)).toEqual(['Kennedy', 'S2']);
    t = setSpeaker(t, 1, '  ');
    expect(speakers(t)).toEqual(['Kennedy']);
    expect(renameSpeaker(t, 'Kennedy', ' ')).toBe(t);
  });

  it('gives a stretch of turns to another speaker in one step, splitting or moving them', () => {
    const three: Transcript = { ...sample(), segments: [...sample().segments, { ...sample().segments[1], start: 8.5, end: 11 }] };
    expect(speakers(three)).toEqual(['S1', 'S2']);
    const split = setSpeakerOfTurns(three, 2, 1, ' Guest ');
    expect(split.segments.map((s) => s.speaker)).toEqual(['S1', 'Guest', 'Guest']);
    expect(split.segments.map((s) => [s.start, s.end, s.text])).toEqual(three.segments.map((s) => [s.start, s.end, s.text]));
    expect(split.segments[1].words).toEqual(three.segments[1].words);
    const moved = setSpeakerOfTurns(split, 0, 0, 'Guest');
    expect(speakers(moved)).toEqual(['Guest']);
    expect(setSpeakerOfTurns(moved, 1, 1, '  ').segments[1].speaker).toBeNull();
    expect(three.segments[1].speaker).toBe('S2'); // inputs are not mutated
  });

  it('merges a speaker renamed to another one and counts speaking time', () => {
    const t = renameSpeaker(sample(), 'S2', 'S1');
    expect(speakers(t)).toEqual(['S1']);
    const time = speakingTime(sample());
    const total = sample().segments.reduce((sum, s) => sum + (s.speaker ? s.end - s.start : 0), 0);
    expect([...time.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(total);
    expect(speakingTime(t).get('S1')).toBeCloseTo(total);
  });

  it('finds and replaces case-insensitively, literally', () => {
    const t = sample();
    expect(findMatches(t, 'AMERICANS')).toEqual([{ segment: 0, index: 17, length: 9 }]);
    expect(findMatches(t, 'o', true).length).toBe(8);
    expect(findMatches(t, '')).toEqual([]);
    expect(findMatches(t, '.*')).toEqual([]);
    const { transcript, count } = replaceAll(t, 'your country', 'the nation');
    expect(count).toBe(1);
    expect(transcript.segments[1].text).toBe('ask not what the nation can do for you');
    expect(transcript.segments[1].words.map((w) => w.text)).toContain('nation');
    expect(replaceAll(t, 'xyz', 'a').count).toBe(0);
  });
});

describe('quoteForDraft', () => {
  it('quotes the selected segments with speaker and time', () => {
    const q = quoteForDraft(renameSpeaker(sample(), 'S2', 'JFK'), 1, 1);
    expect(q.markdown).toBe('> “ask not what your country can do for you”\n> — JFK, 0:03');
    expect(q.start).toBe(3.5);
    expect(quoteForDraft(sample(), 1, 0).text).toBe('And so my fellow Americans, ask not what your country can do for you');
  });
});
