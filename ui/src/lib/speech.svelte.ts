// Read-aloud: voice settings, playback state and what the bar shows. Pure logic, tested in speech.test.ts.

import type { EspeakVoiceInfo as Voice, SpeechEvent, VoiceOptions } from './bindings';
import { messages, tr } from './i18n.svelte';
export type { AudioVersion, SpeechEvent, VoiceOptions, EspeakVoiceInfo as Voice } from './bindings';

export const DEFAULT_VOICE: VoiceOptions = { voice: 'en-us', chinese_voice: 'cmn', rate: 175, pitch: 50, speed: 1 };

export const SPEEDS = [0.75, 1, 1.25, 1.5, 2] as const;

export type PlaybackState = 'idle' | 'preparing' | 'playing' | 'paused';

/** Playback as the bar shows it, advanced by the events Rust streams. */
export class Playback {
  state = $state<PlaybackState>('idle');
  sentences = $state<string[]>([]);
  current = $state(-1);
  finished = $state(false);

  start(): void {
    this.state = 'preparing';
    this.sentences = [];
    this.current = -1;
    this.finished = false;
  }

  apply(event: SpeechEvent): void {
    switch (event.kind) {
      case 'prepared':
        this.sentences = event.sentences;
        this.state = 'playing';
        break;
      case 'speaking':
        if (event.index >= 0 && event.index < this.sentences.length) this.current = event.index;
        break;
      case 'finished':
        this.finished = true;
        this.state = 'idle';
        break;
      case 'stopped':
        this.state = 'idle';
        break;
    }
  }

  /** The sentence being heard with its neighbours, for the bar. */
  window(): { before: string; now: string; after: string } {
    const at = this.current;
    if (at < 0) return { before: '', now: this.sentences[0] ?? '', after: '' };
    return {
      before: this.sentences[at - 1] ?? '',
      now: this.sentences[at] ?? '',
      after: this.sentences[at + 1] ?? '',
    };
  }

  progressLabel(): string {
    if (this.sentences.length === 0) return '';
    return `${Math.max(this.current + 1, 1)} / ${this.sentences.length}`;
  }
}

/** The article as it is read: headline first, then the text. */
export function speechText(title: string, body: string): string {
  const t = title.trim();
  return t ? `# ${t}\n\n${body}` : body;
}

/** Voices for a language family, English first for "en". */
export function voicesFor(voices: Voice[], family: 'en' | 'zh'): Voice[] {
  const wanted = family === 'en' ? /^en(-|$)/i : /^(cmn|yue|zh|hak)(-|$)/i;
  return voices.filter((v) => wanted.test(v.id) || v.languages.some((l) => wanted.test(l)));
}

/** The listed voice a saved choice means: eSpeak accepts `en-us` for `en-US`, so match the id without
 * case, then a language the voice speaks; else the first voice offered (or the choice itself when none). */
export function matchVoice(choice: string, offered: Voice[]): string {
  const c = choice.toLowerCase();
  const hit =
    offered.find((v) => v.id.toLowerCase() === c) ?? offered.find((v) => v.languages.some((l) => l.toLowerCase() === c));
  return hit?.id ?? offered[0]?.id ?? choice;
}

const M = messages({ untitled: 'Untitled' }, { untitled: '未命名' });

/** A file name for an article's audio version. */
export function audioFileName(title: string, format: 'ogg' | 'wav'): string {
  const base =
    title
      .trim()
      .replace(/[\\/:*?"<>|]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80) || tr(M).untitled;
  return `${base}.${format}`;
}
