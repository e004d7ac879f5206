// The quote check's types and presentation, free of Svelte and Tauri so it can be unit tested.

import type { Change, Heard, QuoteReason, QuoteSearchHit as QuoteHit, QuotesReport, QuoteWarning, Verdict } from './bindings';
import { live, messages, tr } from './i18n.svelte';
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

const M = messages(
  {
    verbatim: 'Verbatim',
    close: 'Close',
    altered: 'Altered',
    notFound: 'Not found',
    replaced: (quoted: string, heard: string) => `“${quoted}” — said: “${heard}”`,
    added: (quoted: string) => `“${quoted}” was not said`,
    dropped: (heard: string) => `leaves out “${heard}”`,
    who: (speaker: string) => `${speaker}, `,
    footnote: (who: string, file: string, from: string, to: string, sha: string, transcript: number) =>
      `${who}${file}, ${from}–${to}, SHA-256 ${sha} (transcript ${transcript}).`,
    untitled: 'untitled',
    heading: (title: string) => `# Quote check: ${title}`,
    count: (n: number, verdict: string) => `${n} ${verdict.toLowerCase()}`,
    countSep: ', ',
    summary: (n: number, counts: string) => `${n} quotes: ${counts}.`,
    item: (i: number, verdict: string, text: string) => `${i}. **${verdict}** — “${text}”`,
    recorded: (place: string, sha: string) => `   - Recorded: ${place} (SHA-256 ${sha}…)`,
    said: (text: string) => `   - Said: “${text}”`,
    warning: (w: string) => `Warning: ${w}`,
    // The quote check's reasons and warnings (the engine sends them as codes with their words).
    reasonSep: '; ',
    reasonNumber: (heard: string, quoted: string) => `the number ${heard} is quoted as ${quoted}`,
    reasonQuotedAs: (heard: string, quoted: string) => `"${heard}" is quoted as "${quoted}"`,
    reasonName: (quoted: string, heard: string) => `the name-like "${quoted}" was said as "${heard}"`,
    reasonLeavesOut: (heard: string) => `the quote leaves out "${heard}"`,
    reasonNotRecorded: (quoted: string) => `"${quoted}" is not in the recording`,
    reasonVerbatim: 'word for word as recorded',
    reasonClose: (n: number) =>
      n === 1 ? 'as recorded but for one small difference' : `as recorded but for ${n} small differences`,
    reasonAltered: (n: number) => (n === 1 ? 'found, but a word was changed' : `found, but ${n} words differ`),
    reasonNoSources: 'no interviews are linked to this story to check against',
    reasonNotInSources: "not in this story's interviews",
    reasonNoTranscripts: 'there are no transcripts to check against',
    reasonNotFound: 'not in any transcript',
    warningUnclosed: (mark: string) => `the quotation mark ${mark} here is never closed in its paragraph`,
  },
  {
    verbatim: '逐字相符',
    close: '接近',
    altered: '有改动',
    notFound: '未找到',
    replaced: (quoted: string, heard: string) => `“${quoted}”——原话是“${heard}”`,
    added: (quoted: string) => `原话中没有“${quoted}”`,
    dropped: (heard: string) => `漏掉了“${heard}”`,
    who: (speaker: string) => `${speaker}，`,
    footnote: (who: string, file: string, from: string, to: string, sha: string, transcript: number) =>
      `${who}${file}，${from}–${to}，SHA-256 ${sha}（转写稿 ${transcript}）。`,
    untitled: '未命名',
    heading: (title: string) => `# 引语核查：${title}`,
    count: (n: number, verdict: string) => `${verdict} ${n} 条`,
    countSep: '，',
    summary: (n: number, counts: string) => `共 ${n} 条引语：${counts}。`,
    item: (i: number, verdict: string, text: string) => `${i}. **${verdict}**——“${text}”`,
    recorded: (place: string, sha: string) => `   - 录音：${place}（SHA-256 ${sha}…）`,
    said: (text: string) => `   - 原话：“${text}”`,
    warning: (w: string) => `注意：${w}`,
    reasonSep: '；',
    reasonNumber: (heard: string, quoted: string) => `原话中的数字 ${heard} 被写成了 ${quoted}`,
    reasonQuotedAs: (heard: string, quoted: string) => `原话“${heard}”被写成了“${quoted}”`,
    reasonName: (quoted: string, heard: string) => `疑似名称的“${quoted}”在录音中是“${heard}”`,
    reasonLeavesOut: (heard: string) => `引语漏掉了“${heard}”`,
    reasonNotRecorded: (quoted: string) => `录音中没有“${quoted}”`,
    reasonVerbatim: '与录音逐字相符',
    reasonClose: (n: number) => `与录音基本一致，仅有 ${n} 处细微差异`,
    reasonAltered: (n: number) => (n === 1 ? '找到了原话，但有一个词被改动' : `找到了原话，但有 ${n} 个词不同`),
    reasonNoSources: '本篇报道还没有关联可供核对的采访',
    reasonNotInSources: '本篇报道的采访中没有这句话',
    reasonNoTranscripts: '还没有可供核对的转写稿',
    reasonNotFound: '所有转写稿中都没有这句话',
    warningUnclosed: (mark: string) => `此处的引号 ${mark} 在本段中没有闭合`,
  },
);

export const VERDICT_LABEL: Readonly<Record<Verdict, string>> = live(M, {
  verbatim: 'verbatim',
  close: 'close',
  altered: 'altered',
  not_found: 'notFound',
});

/** A run of a sentence the interface builds: its own words (`own: false`), or words it quotes from the draft,
 * a recording or an article (`own: true`), which the view marks `translate="no"`. */
export type Part = { text: string; own: boolean };

/** `template` filled with `words`, cut into the template's runs and the words. */
export function partsOf(template: (...words: string[]) => string, words: string[]): Part[] {
  const filled = template(...words.map((_, i) => `\u0001${i}\u0002`));
  return filled
    .split(/\u0001(\d+)\u0002/)
    .map((text, i) => (i % 2 === 1 ? { text: words[Number(text)], own: true } : { text, own: false }))
    .filter((p) => p.text !== '');
}

/** The text of `parts`, run together. */
export function joinParts(parts: Part[]): string {
  return parts.map((p) => p.text).join('');
}

/** One change in words a reader understands, the quoted and heard words apart. */
export function changeParts(c: Change): Part[] {
  const t = tr(M);
  switch (c.kind) {
    case 'replaced':
      return partsOf(t.replaced, [c.quoted, c.heard]);
    case 'added':
      return partsOf(t.added, [c.quoted]);
    case 'dropped':
      return partsOf(t.dropped, [c.heard]);
  }
}

/** One change in words a reader understands. */
export function describeChange(c: Change): string {
  return joinParts(changeParts(c));
}

/** One reason of the quote check's, in the interface's language, with the quoted and heard words apart. */
function reasonPart(r: QuoteReason): Part[] {
  const t = tr(M);
  switch (r.code) {
    case 'number':
      return partsOf(t.reasonNumber, [r.heard, r.quoted]);
    case 'negation':
      return partsOf(t.reasonQuotedAs, [r.heard, r.quoted]);
    case 'name':
      return partsOf(t.reasonName, [r.quoted, r.heard]);
    case 'leaves_out':
      return partsOf(t.reasonLeavesOut, [r.heard]);
    case 'not_recorded':
      return partsOf(t.reasonNotRecorded, [r.quoted]);
    case 'verbatim':
      return [{ text: t.reasonVerbatim, own: false }];
    case 'close':
      return [{ text: t.reasonClose(r.differences), own: false }];
    case 'altered':
      return [{ text: t.reasonAltered(r.words), own: false }];
    case 'no_sources':
      return [{ text: t.reasonNoSources, own: false }];
    case 'not_in_sources':
      return [{ text: t.reasonNotInSources, own: false }];
    case 'no_transcripts':
      return [{ text: t.reasonNoTranscripts, own: false }];
    case 'not_found':
      return [{ text: t.reasonNotFound, own: false }];
  }
}

/** Why a quote got its verdict, in the interface's language, with the quoted and heard words apart. */
export function reasonParts(reasons: QuoteReason[]): Part[] {
  const out: Part[] = [];
  for (const [i, r] of reasons.entries()) {
    if (i > 0) out.push({ text: tr(M).reasonSep, own: false });
    out.push(...reasonPart(r));
  }
  return out;
}

/** Why a quote got its verdict, in the interface's language. */
export function reasonText(reasons: QuoteReason[]): string {
  return joinParts(reasonParts(reasons));
}

/** A warning of the quote check, in the interface's language. */
export function warningText(w: QuoteWarning): string {
  switch (w.code) {
    case 'unclosed':
      return tr(M).warningUnclosed(w.mark);
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
  const who = h.speaker ? tr(M).who(h.speaker) : '';
  return `${who}${fileName(h.recording)} ${clock(h.start)}–${clock(h.end)}`;
}

/** A quote-bank result for the draft in two parts: the words as said with a footnote mark (`quote`, for
 * where the reporter puts it), and the footnote with their provenance (`note`: recording, time range,
 * SHA-256 of the recording, transcript), which exports keep; in Chinese when the quote is. */
export function quoteParts(hit: QuoteHit): { quote: string; note: string } {
  const h = hit.heard;
  const label = `q${h.transcript_id}-${Math.round(h.start * 10)}`;
  // The footnote goes into the story, so it is written in the quote's language, whatever the interface's.
  const words = /[\u3400-\u9fff]/.test(h.text) ? M.zh : M.en;
  const who = h.speaker ? words.who(h.speaker) : '';
  const footnote = words.footnote(who, fileName(h.recording), clock(h.start), clock(h.end), h.sha256, h.transcript_id);
  return { quote: `“${h.text}”[^${label}]`, note: `[^${label}]: ${footnote}` };
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
  const t = tr(M);
  const lines = [t.heading(title || t.untitled), ''];
  const counts = (['verbatim', 'close', 'altered', 'not_found'] as Verdict[])
    .map((v) => t.count(report.quotes.filter((q) => q.verdict === v).length, VERDICT_LABEL[v]))
    .join(t.countSep);
  lines.push(t.summary(report.quotes.length, counts), '');
  report.quotes.forEach((q, i) => {
    lines.push(t.item(i + 1, VERDICT_LABEL[q.verdict], q.quote.text.trim()));
    if (q.heard) {
      lines.push(t.recorded(place(q.heard), q.heard.sha256.slice(0, 16)));
      if (q.verdict !== 'verbatim') lines.push(t.said(q.heard.text));
    }
    for (const c of q.changes) lines.push(`   - ${describeChange(c)}`);
    lines.push(`   - ${reasonText(q.reasons)}`);
  });
  for (const [, w] of report.warnings) lines.push('', t.warning(warningText(w)));
  return lines.join('\n') + '\n';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** `<name attr="value"…>inner</name>`, the values escaped; `inner` is markup already. */
function element(name: string, attrs: Record<string, string | number>, inner: string): string {
  const list = Object.entries(attrs)
    .map(([key, value]) => ` ${key}="${escapeHtml(String(value))}"`)
    .join('');
  return `<${name}${list}>${inner}</${name}>`;
}

/** The layer drawn under the editor's text: the same text, invisible, with each checked quote in a `<mark>`
 * that CSS underlines by verdict. Escaped here, so the draft never becomes markup. A final space keeps a
 * trailing newline as tall as the textarea's. */
export function underlayHtml(text: string, marks: QuoteMark[]): string {
  return (
    markRuns(text, marks)
      .map((r) =>
        r.mark
          ? element(
              'mark',
              { class: `q ${r.mark.verdict}`, 'data-testid': 'quote-mark', 'data-verdict': r.mark.verdict, 'data-index': r.mark.index },
              escapeHtml(r.text),
            )
          : escapeHtml(r.text),
      )
      .join('') + ' '
  );
}
