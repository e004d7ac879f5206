// Search-as-you-type: debounces the query, skips empty queries, and drops
// answers that arrive after a newer query was typed.
import { realTimer, type Timer } from './autosave';

export type SearchOptions<R> = {
  run: (query: string) => Promise<R>;
  /** Called with the answer for the latest query, or null when the query is empty. */
  onResult: (query: string, result: R | null) => void;
  onError: (err: unknown) => void;
  onBusy?: (busy: boolean) => void;
  delayMs?: number;
  timer?: Timer;
};

export class DebouncedSearch<R> {
  #seq = 0;
  #pending: unknown = null;
  readonly #opts: SearchOptions<R>;
  readonly #timer: Timer;

  constructor(opts: SearchOptions<R>) {
    this.#opts = opts;
    this.#timer = opts.timer ?? realTimer;
  }

  set(query: string): void {
    const seq = ++this.#seq;
    this.#cancel();
    if (query.trim() === '') {
      this.#opts.onBusy?.(false);
      this.#opts.onResult(query, null);
      return;
    }
    this.#opts.onBusy?.(true);
    this.#pending = this.#timer.set(() => {
      this.#pending = null;
      void this.#run(query, seq);
    }, this.#opts.delayMs ?? 150);
  }

  /** Runs the query now, e.g. after the library changed under the results. */
  refresh(query: string): void {
    const seq = ++this.#seq;
    this.#cancel();
    if (query.trim() === '') {
      this.#opts.onResult(query, null);
      return;
    }
    void this.#run(query, seq);
  }

  dispose(): void {
    this.#seq++;
    this.#cancel();
  }

  async #run(query: string, seq: number): Promise<void> {
    try {
      const result = await this.#opts.run(query.trim());
      if (seq === this.#seq) this.#opts.onResult(query, result);
    } catch (err) {
      if (seq === this.#seq) this.#opts.onError(err);
    } finally {
      if (seq === this.#seq) this.#opts.onBusy?.(false);
    }
  }

  #cancel(): void {
    if (this.#pending !== null) {
      this.#timer.clear(this.#pending);
      this.#pending = null;
    }
  }
}
