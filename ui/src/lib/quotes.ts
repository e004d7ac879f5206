// The quote check's types and presentation, free of Svelte and Tauri so it can be unit tested.

import type { Change, Heard, QuoteSearchHit as QuoteHit, QuotesReport, Verdict } from './bindings';
export type { Change, Heard, QuoteCheck, QuotesReport, Verdict, QuoteSearchHit as QuoteHit } from './bindings';

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

/** A quote-bank result as Markdown for the draft: the words as said, and a footnote with their provenance
 * (recording, time range, SHA-256 of the recording, transcript), which exports keep. */
export function quoteWithProvenance(hit: QuoteHit): string {
  const h = hit.heard;
  const label = `q${h.transcript_id}-${Math.round(h.start * 10)}`;
  const who = h.speaker ? `${h.speaker}, ` : '';
  return `“${h.text}”[^${label}]\n\n[^${label}]: ${who}${fileName(h.recording)}, ${clock(h.start)}–${clock(h.end)}, SHA-256 ${h.sha256} (transcript ${h.transcript_id}).`;
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
