import { describe, expect, it } from 'vitest';
import {
  applyFeedback,
  articleIdOf,
  articleLink,
  noteParts,
  normaliseDraft,
  shouldRefresh,
  usageKindLabel,
  usedTogetherLine,
  whyLine,
  type Suggestion,
} from './related';
import { setLocale } from './i18n.svelte';

const s = (id: number, pinned = false): Suggestion => ({
  id,
  title: `T${id}`,
  published: null,
  score: 1 / id,
  similarity: null,
  pinned,
  explanation: null,
  used_together: 0,
});

describe('related panel logic', () => {
  it('refreshes only on meaningful draft changes', () => {
    expect(shouldRefresh(null, 'short')).toBe(false);
    const text = 'The council approved the budget today.';
    expect(shouldRefresh(null, text)).toBe(true);
    expect(shouldRefresh(text, `${text}  \n`)).toBe(false);
    expect(shouldRefresh(text, `${text} More.`)).toBe(true);
    expect(normaliseDraft(' a \n\n b ')).toBe('a b');
  });

  it('applies pin and hide locally', () => {
    const list = [s(1), s(2), s(3)];
    expect(applyFeedback(list, 2, 'hide').map((x) => x.id)).toEqual([1, 3]);
    const pinned = applyFeedback(list, 3, 'pin');
    expect(pinned.map((x) => x.id)).toEqual([3, 1, 2]);
    expect(pinned[0].pinned).toBe(true);
    expect(applyFeedback(pinned, 3, 'clear').map((x) => x.id)).toEqual([1, 2, 3]);
  });

  it('explains with shared names first', () => {
    expect(whyLine(null)).toBe('');
    const e = {
      query_passage: 'a',
      match_passage: 'b',
      passage_similarity: 0.8123,
      shared_entities: ['NASA', 'Moon'],
      shared_terms: ['rocket', 'NASA'],
    };
    expect(whyLine(e)).toBe('Both mention NASA, Moon, rocket');
    expect(whyLine({ ...e, shared_entities: [], shared_terms: [] })).toBe('Similar passage (81% match)');
    // Passages this far apart (or opposed) are no reason at all.
    expect(whyLine({ ...e, shared_entities: [], shared_terms: [], passage_similarity: -0.06 })).toBe('');
    expect(whyLine({ ...e, shared_entities: [], shared_terms: [], passage_similarity: 0.1 })).toBe('');
  });

  it('builds an escaped Markdown link', () => {
    expect(articleLink({ id: 7, title: 'Budget [draft]' })).toBe('[Budget \\[draft\\]](byline://article/7)');
    expect(articleLink({ id: 8, title: ' ' })).toBe('[Article 8](byline://article/8)');
  });
});

describe('learning from use', () => {
  it('gives its reason only where the two were used together, in either language', () => {
    expect(usedTogetherLine(0)).toBeNull();
    expect(usedTogetherLine(1)).toBe('You used these together in 1 story');
    expect(usedTogetherLine(3)).toBe('You used these together in 3 stories');
    expect(usageKindLabel('source')).toBe('source for the assistant');
    setLocale('zh');
    try {
      expect(usedTogetherLine(3)).toBe('你在 3 篇文章中一起用过它们');
      expect(usageKindLabel('pin')).toBe('置顶');
    } finally {
      setLocale('en');
    }
  });
});

describe('engine notes', () => {
  const text = (parts: { text: string }[]) => parts.map((p) => p.text).join('');
  it('are worded from their codes, the model name kept apart', () => {
    expect(text(noteParts({ code: 'first_passages', max: 12 }))).toBe('only the first 12 passages of the text were compared');
    const parts = noteParts({ code: 'no_index', model: 'all-minilm-l6-v2' });
    expect(parts.filter((p) => p.own).map((p) => p.text)).toEqual(['all-minilm-l6-v2']);
    setLocale('zh');
    try {
      expect(text(noteParts({ code: 'no_index', model: 'm' }))).toBe('还没有文章用 m 编入索引，请更新索引');
      expect(text(noteParts({ code: 'empty' }))).toBe('正文为空');
    } finally {
      setLocale('en');
    }
  });
});

describe('articleIdOf', () => {
  it('reads internal links only', () => {
    expect(articleIdOf('byline://article/20')).toBe(20);
    expect(articleIdOf('byline://article/20/')).toBe(20);
    expect(articleIdOf('https://example.com/article/20')).toBeNull();
    expect(articleIdOf('byline://article/x')).toBeNull();
  });
});
