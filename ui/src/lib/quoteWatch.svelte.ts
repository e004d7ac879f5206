// The draft's quotes, checked as the reporter writes: a command (off the UI thread) once the text has been
// still for a moment. The editor underlines them, the Quotes panel lists them, and both play a quote's
// stretch of the recording through the one player below.
import { api } from './api';
import { explainError, type Explained } from './errors';
import { notices } from './notices.svelte';
import { followEdits, quoteMarks, type Heard, type QuoteMark, type QuotesReport } from './quotes';
import type { TranscriptSummary } from './transcript';

export class QuoteWatch {
  report = $state<QuotesReport | null>(null);
  /** The text the report was made for: its offsets are offsets in this text. */
  checkedText = $state('');
  checking = $state(false);
  failure = $state<Explained | null>(null);
  articleId = $state<number | null>(null);
  /** The interviews linked to the article. */
  sources = $state<TranscriptSummary[]>([]);
  /** Check against the linked interviews only, not every transcript (remembered per article). */
  sourcesOnly = $state(false);
  /** Where each quote of the checked text is. */
  readonly marks = $derived(this.report ? quoteMarks(this.checkedText, this.report) : []);

  #text = '';
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #scopes = new Map<number, boolean>();
  readonly #debounceMs: number;

  constructor(debounceMs = 800) {
    this.#debounceMs = debounceMs;
  }

  /** The marks moved to `text` (typed since the check); the quote being edited loses its mark until the next. */
  marksFor(text: string): QuoteMark[] {
    // Without a transcript to look in every quote is "not found": nothing worth underlining.
    if (!this.report || this.report.searched === 0) return [];
    return followEdits(this.checkedText, text, this.marks);
  }

  /** The draft changed: check it again once it settles. */
  update(text: string) {
    this.#text = text;
    this.#schedule(this.#debounceMs);
  }

  /** Checks now (after a change of scope or of the linked interviews). */
  recheck() {
    this.#schedule(0);
  }

  #schedule(ms: number) {
    if (this.#timer) clearTimeout(this.#timer);
    const mine = ++this.#generation;
    this.#timer = setTimeout(() => void this.#run(mine), ms);
  }

  async #run(mine: number) {
    const text = this.#text;
    const article = this.articleId;
    this.checking = true;
    try {
      const report = await api.quotesCheck(text, this.sourcesOnly ? article : null);
      // A check that started before another article opened is not that article's.
      if (mine !== this.#generation || article !== this.articleId) return;
      this.report = report;
      this.checkedText = text;
      this.failure = null;
    } catch (err) {
      if (mine === this.#generation) this.failure = explainError(err, 'quotes');
    } finally {
      if (mine === this.#generation) this.checking = false;
    }
  }

  /** Another article is open: its interviews, its scope, and a check of its text. */
  async setArticle(id: number | null) {
    if (id === this.articleId) return;
    this.articleId = id;
    this.report = null;
    this.sources = [];
    this.sourcesOnly = id !== null && (this.#scopes.get(id) ?? false);
    if (id === null) return;
    try {
      const sources = await api.quotesSources(id);
      if (this.articleId === id) this.sources = sources;
    } catch (err) {
      notices.error(err, 'quotes');
    }
  }

  setSourcesOnly(on: boolean) {
    this.sourcesOnly = on;
    if (this.articleId !== null) this.#scopes.set(this.articleId, on);
    this.recheck();
  }

  isLinked(transcriptId: number): boolean {
    return this.sources.some((s) => s.id === transcriptId);
  }

  /** Links (or unlinks) an interview to the open article; false when there is none or it failed. */
  async link(transcriptId: number, linked = true): Promise<boolean> {
    const id = this.articleId;
    if (id === null || this.isLinked(transcriptId) === linked) return id !== null;
    try {
      const sources = await api.quotesLink(id, transcriptId, linked);
      if (this.articleId === id) this.sources = sources;
      if (this.sourcesOnly) this.recheck();
      return true;
    } catch (err) {
      notices.error(err, 'quotes');
      return false;
    }
  }

  dispose() {
    if (this.#timer) clearTimeout(this.#timer);
    this.#generation++;
  }
}

/** Plays stretches of recordings: one audio element (the app's), the recording fetched once per transcript,
 * playback stopped just after the stretch. */
export class QuotePlayer {
  #el: HTMLAudioElement | null = null;
  #url: string | null = null;
  #urlFor: number | null = null;
  #stopAt: number | null = null;
  /** The stretch playing now. */
  playing = $state<Heard | null>(null);

  attach(el: HTMLAudioElement | null) {
    if (el === this.#el) return;
    this.#el?.removeEventListener('timeupdate', this.#ontime);
    this.#el = el;
    el?.addEventListener('timeupdate', this.#ontime);
  }

  #ontime = () => {
    const el = this.#el;
    if (el && this.#stopAt !== null && el.currentTime >= this.#stopAt) {
      el.pause();
      this.#stopAt = null;
      this.playing = null;
    }
  };

  async play(heard: Heard) {
    const el = this.#el;
    if (!el) return;
    try {
      if (this.#urlFor !== heard.transcript_id) {
        const bytes = await api.transcriptAudio(heard.transcript_id);
        if (this.#url) URL.revokeObjectURL(this.#url);
        this.#url = URL.createObjectURL(new Blob([bytes]));
        this.#urlFor = heard.transcript_id;
        el.src = this.#url;
      }
      if (el.readyState < 1) await new Promise((r) => el.addEventListener('loadedmetadata', r, { once: true }));
      el.currentTime = heard.start;
      this.#stopAt = heard.end + 0.3;
      this.playing = heard;
      await el.play();
    } catch (err) {
      this.playing = null;
      notices.error(err, 'quotes');
    }
  }

  stop() {
    this.#el?.pause();
    this.#stopAt = null;
    this.playing = null;
  }
}

export const quotePlayer = new QuotePlayer();
