// The quote check's types and presentation, free of Svelte and Tauri so it can be unit tested.

import type { Change, Heard, QuoteSearchHit as QuoteHit, QuotesReport, Verdict } from './bindings';
export type { Change, Heard, QuoteCheck, QuotesReport, Verdict, QuoteSearchHit as QuoteHit } from './bindings';

/** What narrows a quote-bank search: part of a speaker's name, one interview, transcribed from/to a day
 * (YYYY-MM-DD), word for word only. */
export type QuoteBankFilter = {
  speaker?: string | null;
  transcriptId?: number | null;
  from?: string | null;
  to?: string | null;
  exact?: boolean;
};

export const VERDICT_LABEL: Record<Verdict, string> = {
  verbatim: 'Verbatim',
  close: 'Close',
  altered: 'Altered',
  not_found: 'Not found',
};

/** One change in words a reader understands. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'replaced':
      return `“${c.quoted}” — said: “${c.heard}”`;
    case 'added':
      return `“${c.quoted}” was not said`;
    case 'dropped':
      return `leaves out “${c.heard}”`;
  }
}

/** `1:02.5` */
export function clock(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Where a quote was said: speaker, recording, time range. */
export function place(h: Heard): string {
  const who = h.speaker ? `${h.speaker}, ` : '';
  return `${who}${fileName(h.recording)} ${clock(h.start)}–${clock(h.end)}`;
}

/** A quote-bank result for the draft in two parts: the words as said with a footnote mark (`quote`, for
 * where the reporter puts it), and the footnote with their provenance (`note`: recording, time range,
 * SHA-256 of the recording, transcript), which exports keep. */
export function quoteParts(hit: QuoteHit): { quote: string; note: string } {
  const h = hit.heard;
  const label = `q${h.transcript_id}-${Math.round(h.start * 10)}`;
  const who = h.speaker ? `${h.speaker}, ` : '';
  return {
    quote: `“${h.text}”[^${label}]`,
    note: `[^${label}]: ${who}${fileName(h.recording)}, ${clock(h.start)}–${clock(h.end)}, SHA-256 ${h.sha256} (transcript ${h.transcript_id}).`,
  };
}

/** A quote-bank result as one Markdown block: the words, then their provenance footnote. */
export function quoteWithProvenance(hit: QuoteHit): string {
  const { quote, note } = quoteParts(hit);
  return `${quote}\n\n${note}`;
}

/** What a dragged quote-bank result carries (as `QUOTE_DRAG_TYPE`), besides its plain text. */
export type DraggedQuote = { quote: string; note: string; transcriptId: number };
export const QUOTE_DRAG_TYPE = 'application/x-byline-quote';

/** A checked quote's place in the text the check was made for, in the editor's (UTF-16) offsets. */
export type QuoteMark = { from: number; to: number; verdict: Verdict; index: number };

/** UTF-16 offsets of the UTF-8 byte offsets `bytes` (ascending or not) in `text`. */
export function utf16Offsets(text: string, bytes: number[]): number[] {
  const wanted = [...new Set(bytes)].sort((a, b) => a - b);
  const found = new Map<number, number>();
  let byte = 0;
  let unit = 0;
  let k = 0;
  for (const ch of text) {
    while (k < wanted.length && wanted[k] <= byte) found.set(wanted[k++], unit);
    if (k === wanted.length) break;
    const cp = ch.codePointAt(0) ?? 0;
    byte += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    unit += ch.length;
  }
  while (k < wanted.length) found.set(wanted[k++], unit);
  return bytes.map((b) => found.get(b) ?? unit);
}

/** Where each checked quote sits in `text` (the text the report was made for). */
export function quoteMarks(text: string, report: QuotesReport): QuoteMark[] {
  const bytes = report.quotes.flatMap((q) => [q.quote.start, q.quote.end]);
  const units = utf16Offsets(text, bytes);
  return report.quotes.map((q, i) => ({ from: units[2 * i], to: units[2 * i + 1], verdict: q.verdict, index: i }));
}

/** The marks made for `before`, moved to `after` (the reporter typed since the check): marks before the
 * change stay, marks after it move with the text, marks the change touches are dropped until the next check. */
export function followEdits(before: string, after: string, marks: QuoteMark[]): QuoteMark[] {
  if (before === after) return marks;
  const max = Math.min(before.length, after.length);
  let head = 0;
  while (head < max && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < max - head && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const changedTo = before.length - tail;
  const delta = after.length - before.length;
  return marks.flatMap((m) => {
    if (m.to <= head) return [m];
    if (m.from >= changedTo) return [{ ...m, from: m.from + delta, to: m.to + delta }];
    return [];
  });
}

/** `text` cut into plain runs and marked quotes, for the layer under the editor that draws the underlines. */
export function markRuns(text: string, marks: QuoteMark[]): { text: string; mark: QuoteMark | null }[] {
  const runs: { text: string; mark: QuoteMark | null }[] = [];
  let at = 0;
  for (const m of [...marks].sort((a, b) => a.from - b.from)) {
    if (m.from < at || m.to > text.length || m.to <= m.from) continue;
    if (m.from > at) runs.push({ text: text.slice(at, m.from), mark: null });
    runs.push({ text: text.slice(m.from, m.to), mark: m });
    at = m.to;
  }
  runs.push({ text: text.slice(at), mark: null });
  return runs;
}

/** The mark the caret at `offset` is in, if any. */
export function markAt(marks: QuoteMark[], offset: number): QuoteMark | null {
  return marks.find((m) => offset >= m.from && offset <= m.to) ?? null;
}

/** The report an editor reads before filing, as Markdown. */
export function reportMarkdown(title: string, report: QuotesReport): string {
  const lines = [`# Quote check: ${title || 'untitled'}`, ''];
  const counts = (['verbatim', 'close', 'altered', 'not_found'] as Verdict[])
    .map((v) => `${report.quotes.filter((q) => q.verdict === v).length} ${VERDICT_LABEL[v].toLowerCase()}`)
    .join(', ');
  lines.push(`${report.quotes.length} quotes: ${counts}.`, '');
  report.quotes.forEach((q, i) => {
    lines.push(`${i + 1}. **${VERDICT_LABEL[q.verdict]}** — “${q.quote.text.trim()}”`);
    if (q.heard) {
      lines.push(`   - Recorded: ${place(q.heard)} (SHA-256 ${q.heard.sha256.slice(0, 16)}…)`);
      if (q.verdict !== 'verbatim') lines.push(`   - Said: “${q.heard.text}”`);
    }
    for (const c of q.changes) lines.push(`   - ${describeChange(c)}`);
    lines.push(`   - ${q.reason}`);
  });
  for (const [, w] of report.warnings) lines.push('', `Warning: ${w}`);
  return lines.join('\n') + '\n';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** The layer drawn under the editor's text: the same text, invisible, with each checked quote in a `<mark>`
 * that CSS underlines by verdict. Escaped here, so the draft never becomes markup. A final space keeps a
 * trailing newline as tall as the textarea's. */
export function underlayHtml(text: string, marks: QuoteMark[]): string {
  return (
    markRuns(text, marks)
      .map((r) =>
        r.mark
          ? `<mark class="q ${r.mark.verdict}" data-testid="quote-mark" data-verdict="${r.mark.verdict}" data-index="${r.mark.index}">${escapeHtml(r.text)}</mark>`
          : escapeHtml(r.text),
      )
      .join('') + ' '
  );
}
