// Errors and short confirmations shown as toasts. Errors stay until the user
// dismisses them: a failed save must never go unnoticed.
import { toApiError } from './api';

export type Notice = {
  id: number;
  kind: 'error' | 'info';
  code: string | null;
  message: string;
  context: string | null;
  count: number;
};

class Notices {
  items = $state<Notice[]>([]);
  #nextId = 1;

  error(err: unknown, context: string | null = null): void {
    const e = toApiError(err);
    console.error(context ?? 'error', e.code, e.message);
    const same = this.items.find(
      (n) => n.kind === 'error' && n.message === e.message && n.context === context,
    );
    if (same) {
      same.count += 1;
      return;
    }
    this.items.push({ id: this.#nextId++, kind: 'error', code: e.code, message: e.message, context, count: 1 });
  }

  info(message: string): void {
    const id = this.#nextId++;
    this.items.push({ id, kind: 'info', code: null, message, context: null, count: 1 });
    setTimeout(() => this.dismiss(id), 4000);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }

  clearErrors(context: string): void {
    this.items = this.items.filter((n) => !(n.kind === 'error' && n.context === context));
  }
}

export const notices = new Notices();
