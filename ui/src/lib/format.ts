// Dates from Rust are RFC 3339 / ISO strings (or, for `published`, whatever the
// source said). Show them short and local, and never throw on odd input.

function parse(value: string): Date | null {
  const d = new Date(value.includes(' ') && !value.includes('T') ? value.replace(' ', 'T') : value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return '';
  const d = parse(value);
  if (!d) return value;
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(value: string | null | undefined, now: Date = new Date()): string {
  if (!value) return '';
  const d = parse(value);
  if (!d) return value;
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return `Today ${time}`;
  return `${formatDate(value)} ${time}`;
}
