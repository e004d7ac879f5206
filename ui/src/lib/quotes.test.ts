import { setLocale } from './i18n.svelte';
import { describe, expect, it } from 'vitest';
import {
  clock,
  describeChange,
  followEdits,
  markAt,
  markRuns,
  place,
  quoteMarks,
  quoteParts,
  quoteWithProvenance,
  reasonText,
  reportMarkdown,
  underlayHtml,
  utf16Offsets,
  warningText,
  type QuoteMark,
  type QuotesReport,
} from './quotes';

const heard = {
  transcript_id: 3,
  recording: '/home/r/interviews/mayor.wav',
  sha256: 'ab'.repeat(32),
  speaker: 'Mayor',
  start: 62.5,
  end: 65.04,
  text: 'we will build forty new homes',
};

describe('quote report', () => {
  it('says where and what changed', () => {
    expect(clock(62.5)).toBe('1:02.5');
    expect(place(heard)).toBe('Mayor, mayor.wav 1:02.5–1:05.0');
    expect(describeChange({ kind: 'replaced', quoted: '50', heard: '40' })).toBe('“50” — said: “40”');
    expect(describeChange({ kind: 'dropped', heard: 'not' })).toBe('leaves out “not”');
  });

  it('puts a quote-bank result into the draft with its provenance as a footnote', () => {
    const md = quoteWithProvenance({ verdict: 'verbatim', heard, changes: [] });
    expect(md).toBe(
      `“we will build forty new homes”[^q3-625]\n\n[^q3-625]: Mayor, mayor.wav, 1:02.5–1:05.0, SHA-256 ${'ab'.repeat(32)} (transcript 3).`,
    );
  });

  it('lists every quote with its verdict, provenance and differences', () => {
    const report: QuotesReport = {
      quotes: [
        { quote: { start: 0, end: 10, text: 'we will build forty new homes', fragments: [] }, verdict: 'verbatim', heard, changes: [], reasons: [{ code: 'verbatim' }], reason: 'word for word as recorded' },
        {
          quote: { start: 20, end: 30, text: 'we will build fifty new homes', fragments: [] },
          verdict: 'altered',
          heard,
          changes: [{ kind: 'replaced', quoted: '50', heard: '40' }],
          reasons: [{ code: 'number', heard: '40', quoted: '50' }],
          reason: 'the number 40 is quoted as 50',
        },
        { quote: { start: 40, end: 50, text: 'taxes will fall', fragments: [] }, verdict: 'not_found', heard: null, changes: [], reasons: [{ code: 'not_found' }], reason: 'not in any transcript' },
      ],
      warnings: [[5, { code: 'unclosed', mark: '“' }]],
      sources: null,
      searched: 1,
    };
    const md = reportMarkdown('Homes', report);
    expect(md).toContain('3 quotes: 1 verbatim, 0 close, 1 altered, 1 not found.');
    expect(md).toContain('2. **Altered** — “we will build fifty new homes”');
    expect(md).toContain('   - Said: “we will build forty new homes”');
    expect(md).toContain('   - “50” — said: “40”');
    expect(md).toContain('Recorded: Mayor, mayor.wav 1:02.5–1:05.0 (SHA-256 abababababababab…)');
    expect(md).toContain('Warning: the quotation mark');
  });
});

describe('reasons and warnings', () => {
  it('are worded from their codes in the interface language', () => {
    const reasons = [
      { code: 'number' as const, heard: '40', quoted: '50' },
      { code: 'negation' as const, heard: 'not', quoted: 'now' },
    ];
    expect(reasonText(reasons)).toBe('the number 40 is quoted as 50; "not" is quoted as "now"');
    expect(reasonText([{ code: 'close', differences: 1 }])).toBe('as recorded but for one small difference');
    expect(warningText({ code: 'unclosed', mark: '「' })).toBe('the quotation mark 「 here is never closed in its paragraph');
    setLocale('zh');
    try {
      expect(reasonText(reasons)).toBe('原话中的数字 40 被写成了 50；原话“not”被写成了“now”');
      expect(reasonText([{ code: 'no_sources' }])).toBe('本篇报道还没有关联可供核对的采访');
      expect(warningText({ code: 'unclosed', mark: '“' })).toBe('此处的引号 “ 在本段中没有闭合');
    } finally {
      setLocale('en');
    }
  });
});

describe('quote marks in the editor', () => {
  const check = (start: number, end: number, verdict: 'verbatim' | 'altered') => ({
    quote: { start, end, text: '', fragments: [] },
    verdict,
    heard: null,
    changes: [],
    reasons: [],
    reason: '',
  });

  it('turns the engine byte offsets into the editor offsets, Chinese and emoji included', () => {
    const text = '市长说：「我们一定会建新的医院」，又说“ask not”😀 “what you can do”';
    const enc = new TextEncoder();
    const byteOf = (s: string) => enc.encode(text.slice(0, text.indexOf(s))).length;
    const start = byteOf('我们');
    const end = byteOf('」');
    const s2 = byteOf('what');
    const e2 = s2 + 'what you can do'.length;
    const marks = quoteMarks(text, { quotes: [check(start, end, 'verbatim'), check(s2, e2, 'altered')], warnings: [], sources: null, searched: 1 });
    expect(text.slice(marks[0].from, marks[0].to)).toBe('我们一定会建新的医院');
    expect(text.slice(marks[1].from, marks[1].to)).toBe('what you can do');
    expect(marks[1]).toMatchObject({ verdict: 'altered', index: 1 });
    expect(utf16Offsets('abc', [99])).toEqual([3]);
  });

  it('keeps marks in place while the reporter types elsewhere, and drops the one being edited', () => {
    const before = 'A “one two three” and “four five six”.';
    const m = (s: string, index: number): QuoteMark => ({
      from: before.indexOf(s),
      to: before.indexOf(s) + s.length,
      verdict: 'verbatim',
      index,
    });
    const marks = [m('one two three', 0), m('four five six', 1)];
    const typedFirst = 'Then A “one two three” and “four five six”.';
    const moved = followEdits(before, typedFirst, marks);
    expect(moved.map((x) => typedFirst.slice(x.from, x.to))).toEqual(['one two three', 'four five six']);
    const typedInside = 'A “one two three” and “four FIVE six”.';
    expect(followEdits(before, typedInside, marks).map((x) => x.index)).toEqual([0]);
    const typedBetween = 'A “one two three” or “four five six”.';
    expect(followEdits(before, typedBetween, marks).map((x) => typedBetween.slice(x.from, x.to))).toEqual([
      'one two three',
      'four five six',
    ]);
    expect(followEdits(before, before, marks)).toBe(marks);
  });

  it('cuts the text into runs for the underline layer and finds the quote under the caret', () => {
    const text = 'A “one two” b';
    const marks: QuoteMark[] = [{ from: 3, to: 10, verdict: 'close', index: 0 }];
    expect(markRuns(text, marks)).toEqual([
      { text: 'A “', mark: null },
      { text: 'one two', mark: marks[0] },
      { text: '” b', mark: null },
    ]);
    expect(markRuns(text, [{ from: 3, to: 99, verdict: 'close', index: 0 }])).toEqual([{ text, mark: null }]);
    expect(markAt(marks, 5)?.index).toBe(0);
    expect(markAt(marks, 12)).toBeNull();
  });

  it('splits a quote-bank result into the words and a footnote that can go to the end', () => {
    const { quote, note } = quoteParts({ verdict: 'verbatim', heard, changes: [] });
    expect(quote).toBe('“we will build forty new homes”[^q3-625]');
    expect(note.startsWith('[^q3-625]: Mayor, mayor.wav, 1:02.5–1:05.0, SHA-256 ')).toBe(true);
  });

  it('writes the footnote in the language of the quote, not of the interface', () => {
    setLocale('zh');
    try {
      expect(quoteParts({ verdict: 'verbatim', heard, changes: [] }).note).toContain('(transcript 3).');
      const chinese = { ...heard, speaker: '市长', text: '我们将新建四十套住房' };
      const { quote, note } = quoteParts({ verdict: 'verbatim', heard: chinese, changes: [] });
      expect(quote).toBe('“我们将新建四十套住房”[^q3-625]');
      expect(note).toMatch(/^\[\^q3-625\]: 市长.*mayor\.wav.*1:02\.5–1:05\.0.*SHA-256 (ab)+.*转写稿 3/);
      setLocale('en');
      expect(quoteParts({ verdict: 'verbatim', heard: chinese, changes: [] }).note).toBe(note);
    } finally {
      setLocale('en');
    }
  });
});

describe('the underline layer', () => {
  it('escapes the draft and marks each quote by verdict', () => {
    const text = 'He said “<b>now</b> & then” ok';
    const from = text.indexOf('<b>');
    const html = underlayHtml(text, [{ from, to: from + '<b>now</b> & then'.length, verdict: 'altered', index: 2 }]);
    expect(html).toBe(
      'He said “<mark class="q altered" data-testid="quote-mark" data-verdict="altered" data-index="2">&lt;b&gt;now&lt;/b&gt; &amp; then</mark>” ok ',
    );
  });
});
