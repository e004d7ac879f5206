import { describe, expect, it } from 'vitest';
import { Playback, audioFileName, matchVoice, speechText, voicesFor, type Voice } from './speech.svelte';

describe('Playback', () => {
  it('follows prepared, speaking and finished events', () => {
    const p = new Playback();
    p.start();
    expect(p.state).toBe('preparing');
    p.apply({ kind: 'prepared', sentences: ['One.', 'Two.', 'Three.'] });
    expect(p.state).toBe('playing');
    expect(p.window()).toEqual({ before: '', now: 'One.', after: '' });
    p.apply({ kind: 'speaking', index: 1 });
    expect(p.window()).toEqual({ before: 'One.', now: 'Two.', after: 'Three.' });
    expect(p.progressLabel()).toBe('2 / 3');
    p.apply({ kind: 'speaking', index: 7 });
    expect(p.current).toBe(1);
    p.apply({ kind: 'finished' });
    expect(p.state).toBe('idle');
    expect(p.finished).toBe(true);
  });

  it('stops without finishing', () => {
    const p = new Playback();
    p.start();
    p.apply({ kind: 'prepared', sentences: ['A.'] });
    p.apply({ kind: 'stopped' });
    expect(p.state).toBe('idle');
    expect(p.finished).toBe(false);
  });
});

describe('helpers', () => {
  it('reads the headline first', () => {
    expect(speechText(' Vote ', 'Body.')).toBe('# Vote\n\nBody.');
    expect(speechText('', 'Body.')).toBe('Body.');
  });

  it('filters voices by language family', () => {
    const voices: Voice[] = [
      { id: 'en-US', name: 'English (America)', languages: ['en-us'] },
      { id: 'cmn', name: 'Chinese (Mandarin)', languages: ['cmn', 'zh-cmn', 'zh'] },
      { id: 'de', name: 'German', languages: ['de'] },
    ];
    expect(voicesFor(voices, 'en').map((v) => v.id)).toEqual(['en-US']);
    expect(voicesFor(voices, 'zh').map((v) => v.id)).toEqual(['cmn']);
  });

  it('makes safe audio file names', () => {
    expect(audioFileName('Budget: the vote?', 'ogg')).toBe('Budget the vote.ogg');
    expect(audioFileName('  ', 'wav')).toBe('Untitled.wav');
  });
});

describe('matchVoice', () => {
  const voices: Voice[] = [
    { id: 'en', name: 'English (Great Britain)', languages: ['en-gb', 'en'] },
    { id: 'en-US', name: 'English (America)', languages: ['en-us', 'en'] },
  ];
  it('finds the listed spelling of a saved choice', () => {
    expect(matchVoice('en-us', voices)).toBe('en-US');
    expect(matchVoice('en-gb', voices)).toBe('en');
    expect(matchVoice('xx', voices)).toBe('en');
    expect(matchVoice('en-us', [])).toBe('en-us');
  });
});
