// Dates from Rust are RFC 3339 / ISO strings (or, for `published`, whatever the
// source said). Show them short and local, in the interface's language, and never throw on odd input.
import { localeTag, messages, tr } from './i18n.svelte';

const M = messages(
  { today: (time: string) => `Today ${time}` },
  { today: (time: string) => `今天 ${time}` },
);

function parse(value: string): Date | null {
  const d = new Date(value.includes(' ') && !value.includes('T') ? value.replace(' ', 'T') : value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return '';
  const d = parse(value);
  if (!d) return value;
  return d.toLocaleDateString(localeTag(), { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(value: string | null | undefined, now: Date = new Date()): string {
  if (!value) return '';
  const d = parse(value);
  if (!d) return value;
  const time = d.toLocaleTimeString(localeTag(), { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return tr(M).today(time);
  return `${formatDate(value)} ${time}`;
}
