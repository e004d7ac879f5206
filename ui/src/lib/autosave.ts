// Autosave controller: debounces edits, saves the latest value, and never
// forgets a value that has not been saved. Free of Tauri, and of Svelte but for the interface language, so
// it can be tested with a fake save function and a fake clock.
import { live, messages } from './i18n.svelte';

export type SaveStatus = 'saved' | 'saving' | 'dirty' | 'failed';

const M = messages(
  { saved: 'Saved', saving: 'Saving…', dirty: 'Unsaved changes', failed: 'Save failed' },
  { saved: '已保存', saving: '正在保存…', dirty: '有未保存的修改', failed: '保存失败' },
);

/** The words for each status, in the current language (read at each access). */
export const STATUS_LABEL: Readonly<Record<SaveStatus, string>> = live(M, {
  saved: 'saved',
  saving: 'saving',
  dirty: 'dirty',
  failed: 'failed',
});

const RETRY_BASE_MS = 2000;
const RETRY_MAX_MS = 30_000;

export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimer: Timer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export type AutosaveOptions<T> = {
  /** Baseline value, taken as already saved. */
  initial: T;
  save: (value: T) => Promise<void>;
  delayMs: number;
  equals?: (a: T, b: T) => boolean;
  timer?: Timer;
  onStatus?: (status: SaveStatus) => void;
  onError?: (err: unknown) => void;
};

export class AutosaveController<T> {
  #saved: T;
  #current: T;
  #status: SaveStatus = 'saved';
  #pending: unknown = null;
  #inFlight: Promise<boolean> | null = null;
  #delayMs: number;
  #disposed = false;
  /** Failed attempts in a row: the retry waits longer after each (2 s, 4 s, … 30 s). */
  #failures = 0;
  readonly #save: (value: T) => Promise<void>;
  readonly #equals: (a: T, b: T) => boolean;
  readonly #timer: Timer;
  readonly #onStatus: (status: SaveStatus) => void;
  readonly #onError: (err: unknown) => void;

  constructor(opts: AutosaveOptions<T>) {
    this.#saved = opts.initial;
    this.#current = opts.initial;
    this.#save = opts.save;
    this.#delayMs = opts.delayMs;
    this.#equals = opts.equals ?? Object.is;
    this.#timer = opts.timer ?? realTimer;
    this.#onStatus = opts.onStatus ?? (() => {});
    this.#onError = opts.onError ?? (() => {});
  }

  get status(): SaveStatus {
    return this.#status;
  }

  /** The latest value the user produced, saved or not. */
  get value(): T {
    return this.#current;
  }

  get dirty(): boolean {
    return !this.#equals(this.#current, this.#saved);
  }

  setDelay(ms: number): void {
    this.#delayMs = ms;
  }

  /** Records an edit; a save follows once edits pause for the delay. */
  update(value: T): void {
    if (this.#disposed) return;
    this.#current = value;
    this.#cancelTimer();
    if (!this.dirty) {
      // Typed back to the saved text: nothing to do, unless a save is running.
      if (!this.#inFlight) this.#setStatus('saved');
      return;
    }
    if (!this.#inFlight) this.#setStatus('dirty');
    this.#pending = this.#timer.set(() => {
      this.#pending = null;
      void this.flush();
    }, this.#delayMs);
  }

  /**
   * Saves now if anything is unsaved, waiting for a save already running.
   * Resolves true when everything is saved, false when a save failed.
   */
  async flush(): Promise<boolean> {
    this.#cancelTimer();
    while (this.#inFlight) {
      const ok = await this.#inFlight;
      if (!ok) return false;
    }
    if (!this.dirty) {
      this.#setStatus('saved');
      return true;
    }
    const attempt = this.#attempt(this.#current);
    this.#inFlight = attempt;
    try {
      const ok = await attempt;
      if (!ok) return false;
    } finally {
      this.#inFlight = null;
    }
    // Edits made while saving are still unsaved; save them too.
    if (this.dirty) return this.flush();
    this.#setStatus('saved');
    return true;
  }

  dispose(): void {
    this.#disposed = true;
    this.#cancelTimer();
  }

  async #attempt(snapshot: T): Promise<boolean> {
    this.#setStatus('saving');
    try {
      await this.#save(snapshot);
    } catch (err) {
      // Keep #current: the text stays in the editor. The next edit or flush retries, and so does a timer,
      // so a reporter who stops typing after a failed save (the library busy with an import, a full disk
      // freed later) still gets the text saved without touching it again.
      this.#setStatus('failed');
      this.#onError(err);
      this.#failures += 1;
      this.#scheduleRetry();
      return false;
    }
    this.#failures = 0;
    this.#saved = snapshot;
    return true;
  }

  #scheduleRetry(): void {
    if (this.#disposed) return;
    this.#cancelTimer();
    const wait = Math.min(RETRY_BASE_MS * 2 ** (this.#failures - 1), RETRY_MAX_MS);
    this.#pending = this.#timer.set(() => {
      this.#pending = null;
      void this.flush();
    }, wait);
  }

  #cancelTimer(): void {
    if (this.#pending !== null) {
      this.#timer.clear(this.#pending);
      this.#pending = null;
    }
  }

  #setStatus(status: SaveStatus): void {
    if (this.#disposed || status === this.#status) return;
    this.#status = status;
    this.#onStatus(status);
  }
}
