// Errors and short confirmations shown as toasts. Information closes by itself; errors stay until the user
// dismisses them (a failed save must never go unnoticed), one per cause with a count. A notice that concerns
// one screen or panel goes when the reporter leaves it.
import { realTimer, type Timer } from './autosave';
import { contextKey, explainError } from './errors';

export type Notice = {
  id: number;
  kind: 'error' | 'info';
  code: string | null;
  /** What failed ("Could not save"), or null. */
  title: string | null;
  /** The plain sentence the toast shows. */
  message: string;
  /** The raw engine message, shown only under "Details". */
  details: string | null;
  context: string | null;
  /** The screen or side panel the notice concerns; null for app-wide ones. */
  screen: string | null;
  count: number;
};

/** How long information stays on screen. */
export const INFO_MS = 6000;

/** The screen or panel each error context belongs to (keys as contextKey writes them); contexts not listed
 * are app-wide (saves, imports). */
const CONTEXT_SCREENS: Record<string, string> = {
  models: 'models',
  download: 'models',
  verify: 'models',
  'model-import': 'models',
  'model-remove': 'models',
  transcription: 'transcripts',
  transcript: 'transcripts',
  'saving-the-transcript': 'transcripts',
  'related-articles': 'related',
  'related-feedback': 'related',
  sentiment: 'sentiment',
  quotes: 'quotes',
  comments: 'sentiment',
  'comments-import': 'sentiment',
  assistant: 'assistant',
  'assistant-history': 'assistant',
  'saving-the-task': 'assistant',
  'resetting-the-task': 'assistant',
  recording: 'transcripts',
  'image-models': 'images',
  'image-gallery': 'images',
  'image-generation': 'images',
  sources: 'assistant',
  revisions: 'revisions',
};

function screenOf(context: string | null): string | null {
  if (!context) return null;
  const key = contextKey(context);
  return Object.hasOwn(CONTEXT_SCREENS, key) ? CONTEXT_SCREENS[key] : null;
}

function sameContext(a: string | null, b: string | null): boolean {
  return a === b || (a !== null && b !== null && contextKey(a) === contextKey(b));
}

export class Notices {
  items = $state<Notice[]>([]);
  #nextId = 1;
  #timers = new Map<number, unknown>();
  readonly #timer: Timer;
  readonly #log: boolean;

  constructor(timer: Timer = realTimer, log = true) {
    this.#timer = timer;
    this.#log = log;
  }

  error(err: unknown, context: string | null = null): void {
    const e = explainError(err, context);
    if (this.#log) console.error(context ?? 'error', e.code, e.details);
    const same = this.items.find((n) => n.kind === 'error' && n.code === e.code && sameContext(n.context, context));
    if (same) {
      same.count += 1;
      same.details = e.details;
      return;
    }
    // The title and the sentence are read in the current language each time, so a toast that stays on
    // screen follows a switch of language; the raw message stays as the engine wrote it.
    const raw = { code: e.code, message: e.details };
    this.items.push({
      id: this.#nextId++,
      kind: 'error',
      code: e.code,
      get title() {
        return explainError(raw, context).title;
      },
      get message() {
        return explainError(raw, context).sentence;
      },
      details: e.details === e.sentence ? null : e.details,
      context,
      screen: screenOf(context),
      count: 1,
    });
  }

  /** Information that closes by itself after INFO_MS; the same message again restarts its time. */
  info(message: string, screen: string | null = null): void {
    const same = this.items.find((n) => n.kind === 'info' && n.message === message);
    if (same) {
      same.count += 1;
      this.#closeLater(same.id);
      return;
    }
    const id = this.#nextId++;
    this.items.push({
      id,
      kind: 'info',
      code: null,
      title: null,
      message,
      details: null,
      context: null,
      screen,
      count: 1,
    });
    this.#closeLater(id);
  }

  #closeLater(id: number): void {
    const previous = this.#timers.get(id);
    if (previous !== undefined) this.#timer.clear(previous);
    this.#timers.set(id, this.#timer.set(() => this.dismiss(id), INFO_MS));
  }

  dismiss(id: number): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) this.#timer.clear(timer);
    this.#timers.delete(id);
    this.items = this.items.filter((n) => n.id !== id);
  }

  clearErrors(context: string): void {
    this.items = this.items.filter((n) => !(n.kind === 'error' && sameContext(n.context, context)));
  }

  /** The reporter left a screen or closed a panel: what concerned only it goes too. */
  leave(screen: string): void {
    for (const n of this.items.filter((n) => n.screen === screen)) this.dismiss(n.id);
  }
}

export const notices = new Notices();
