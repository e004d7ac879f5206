import { describe, expect, it } from 'vitest';
import { emptyFields, fieldsEqual, fromForm, parseTags, toForm, upsertSummary } from './fields';
import type { ArticleSummary } from './types';

describe('fields', () => {
  it('parses tags with ASCII and Chinese commas, dropping blanks and repeats', () => {
    expect(parseTags(' politics, economy ,,politics')).toEqual(['politics', 'economy']);
    expect(parseTags('政治，经济、科技')).toEqual(['政治', '经济', '科技']);
    expect(parseTags('')).toEqual([]);
  });

  it('round-trips through the form without looking changed', () => {
    const f = { ...emptyFields(), title: 'T', dek: 'D', tags: ['a', 'b'], url: null };
    expect(fieldsEqual(fromForm(toForm(f)), f)).toBe(true);
    const changed = fromForm({ ...toForm(f), tags: 'a' });
    expect(fieldsEqual(changed, f)).toBe(false);
  });

  it('turns blank optional fields into null', () => {
    expect(fromForm({ ...toForm(emptyFields()), byline: '   ' }).byline).toBeNull();
  });

  it('moves a saved article to the top', () => {
    const s = (id: number, title: string): ArticleSummary => ({
      id,
      title,
      dek: null,
      byline: null,
      language: null,
      published: null,
      updated_at: '',
    });
    const list = [s(1, 'a'), s(2, 'b'), s(3, 'c')];
    expect(upsertSummary(list, s(2, 'B')).map((x) => x.title)).toEqual(['B', 'a', 'c']);
  });
});
