// Keeps the related-articles index current without the reporter asking: a background job a few
// seconds after saves (and once at start), never two at a time. Only changed text is embedded, so a
// run after one save costs one article. Without an embedding model installed it stays quiet.

import { ApiError } from './api';

export type IndexRunner = (jobId: string) => Promise<unknown>;

export class AutoIndexer {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #again = false;
  #disabled = false;
  #seq = 0;

  constructor(
    private readonly run: IndexRunner,
    private readonly delayMs = 5000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Asks for a run after the quiet delay; repeated calls push it back. */
  schedule(): void {
    if (this.#disabled) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#start();
    }, this.delayMs);
  }

  get running(): boolean {
    return this.#running;
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#disabled = true;
  }

  async #start(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      await this.run(`auto-index-${++this.#seq}`);
    } catch (err) {
      // No embedding model yet: nothing to do until the reporter installs one (the panel says so).
      if (err instanceof ApiError && (err.code === 'not_found' || err.code === 'cancelled')) return;
      this.onError(err);
    } finally {
      this.#running = false;
      if (this.#again && !this.#disabled) {
        this.#again = false;
        this.schedule();
      }
    }
  }
}
