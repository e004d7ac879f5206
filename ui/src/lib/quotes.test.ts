import { describe, expect, it } from 'vitest';
import { clock, describeChange, place, quoteWithProvenance, reportMarkdown, type QuotesReport } from './quotes';

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
        { quote: { start: 0, end: 10, text: 'we will build forty new homes', fragments: [] }, verdict: 'verbatim', heard, changes: [], reason: 'word for word as recorded' },
        {
          quote: { start: 20, end: 30, text: 'we will build fifty new homes', fragments: [] },
          verdict: 'altered',
          heard,
          changes: [{ kind: 'replaced', quoted: '50', heard: '40' }],
          reason: 'the number 40 is quoted as 50',
        },
        { quote: { start: 40, end: 50, text: 'taxes will fall', fragments: [] }, verdict: 'not_found', heard: null, changes: [], reason: 'not in any transcript' },
      ],
      warnings: [[5, 'the quotation mark “ here is never closed in its paragraph']],
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
