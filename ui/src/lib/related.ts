// Related-articles panel logic: the Rust result shapes, when a draft change is worth a new query,
// optimistic pin/hide, the "why" line and the Markdown link to insert. Pure functions.

import type { Explanation, Feedback as FeedbackAction, RankOptions as RankOptionsAll, Suggestion } from './bindings';
export type { Explanation, IndexStats, RelatedResult, Suggestion, Feedback as FeedbackAction } from './bindings';
export type { Usage, UsageKind, UsageSummary } from './bindings';
import type { RelatedNote, UsageKind } from './bindings';
import { messages, tr } from './i18n.svelte';
import { joinParts, partsOf, type Part } from './quotes';

const M = messages(
  {
    bothMention: (words: string) => `Both mention ${words}`,
    listSep: ', ',
    similarPassage: (percent: number) => `Similar passage (${percent}% match)`,
    article: (id: number) => `Article ${id}`,
    // The engine's notes (it sends them as codes).
    noteNotIndexed: 'this article is not indexed yet; its text was embedded just for this query',
    noteFirstPassages: (max: number) => `only the first ${max} passages of the text were compared`,
    noteEmpty: 'the text is empty',
    noteUnknownScript: (model: string) => `${model} cannot read this text (unknown script); only keyword matching was used`,
    noteNoIndex: (model: string) => `no articles are indexed with ${model} yet; run the index`,
    usedTogether: (n: number) => (n === 1 ? 'You used these together in 1 story' : `You used these together in ${n} stories`),
    kindLink: 'link',
    kindSource: 'source for the assistant',
    kindPin: 'pin',
    kindOpen: 'opened from Related',
  },
  {
    bothMention: (words: string) => `两篇都提到：${words}`,
    listSep: '、',
    similarPassage: (percent: number) => `段落相似（匹配度 ${percent}%）`,
    article: (id: number) => `文章 ${id}`,
    noteNotIndexed: '这篇文章还没有编入索引，本次查询临时分析了它的正文',
    noteFirstPassages: (max: number) => `只比较了正文的前 ${max} 个段落`,
    noteEmpty: '正文为空',
    noteUnknownScript: (model: string) => `${model} 无法识别这段文字的书写系统，只用了关键词匹配`,
    noteNoIndex: (model: string) => `还没有文章用 ${model} 编入索引，请更新索引`,
    usedTogether: (n: number) => `你在 ${n} 篇文章中一起用过它们`,
    kindLink: '链接',
    kindSource: '助手的素材',
    kindPin: '置顶',
    kindOpen: '从相关文章打开',
  },
);

/** Sent to the related-articles commands; what is left out takes the engine's default. */
export type RankOptions = Partial<RankOptionsAll>;

/** Collapses whitespace so typing a space or a newline does not trigger a new query. */
export function normaliseDraft(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Whether the draft changed in a way that can change the suggestions. */
export function shouldRefresh(previous: string | null, next: string, minChars = 20): boolean {
  const n = normaliseDraft(next);
  if (n.length < minChars) return false;
  return previous === null || normaliseDraft(previous) !== n;
}

/** Applies feedback locally so the list reacts before the next query returns. */
export function applyFeedback(list: Suggestion[], id: number, action: FeedbackAction): Suggestion[] {
  if (action === 'hide') return list.filter((s) => s.id !== id);
  const updated = list.map((s) => (s.id === id ? { ...s, pinned: action === 'pin' } : s));
  // Pinned first, in their existing order; the rest by score until the next query re-ranks them.
  const rest = updated.filter((s) => !s.pinned).sort((a, b) => b.score - a.score);
  return [...updated.filter((s) => s.pinned), ...rest];
}

/** The passage similarity below which the closest passages are not given as a reason. */
export const SIMILAR_PASSAGE = 0.25;

/** Why a suggestion is related, the shared words apart (they are the articles' words). */
export function whyParts(e: Explanation | null, max = 5): Part[] {
  if (!e) return [];
  const t = tr(M);
  const shared = [...e.shared_entities, ...e.shared_terms.filter((w) => !e.shared_entities.includes(w))];
  if (shared.length > 0) return partsOf(t.bothMention, [shared.slice(0, max).join(t.listSep)]);
  // A passage pair this far apart is no reason (all-MiniLM-L6-v2 puts unrelated text around 0 to 0.2).
  if (e.passage_similarity !== null && e.passage_similarity >= SIMILAR_PASSAGE)
    return [{ text: t.similarPassage(Math.round(e.passage_similarity * 100)), own: false }];
  return [];
}

/** The reason learning from use gives: in how many of the reporter's stories the two were used together. */
export function usedTogetherLine(stories: number): string | null {
  return stories > 0 ? tr(M).usedTogether(stories) : null;
}

/** How an article was used for a story, as the "learnt from use" list says it. */
export function usageKindLabel(kind: UsageKind): string {
  const t = tr(M);
  return { link: t.kindLink, source: t.kindSource, pin: t.kindPin, open: t.kindOpen }[kind];
}

/** One short line saying why a suggestion is related. */
export function whyLine(e: Explanation | null, max = 5): string {
  return joinParts(whyParts(e, max));
}

/** The name of an article without a title. */
export function untitledArticle(id: number): string {
  return tr(M).article(id);
}

/** The scheme of the addresses of library articles. */
const ARTICLE_SCHEME = 'byline:';

/** A Markdown link to a library article; the editor resolves `byline://article/ID`. */
export function articleLink(s: Pick<Suggestion, 'id' | 'title'>): string {
  const title = (s.title.trim() || untitledArticle(s.id)).replace(/([[\]\\])/g, '\\$1');
  return `[${title}](${ARTICLE_SCHEME}//article/${s.id})`;
}

/** A note of the engine's on a query in the interface's language, a model's name apart. */
export function noteParts(note: RelatedNote): Part[] {
  const t = tr(M);
  switch (note.code) {
    case 'first_passages':
      return [{ text: t.noteFirstPassages(note.max), own: false }];
    case 'unknown_script':
      return partsOf(t.noteUnknownScript, [note.model]);
    case 'no_index':
      return partsOf(t.noteNoIndex, [note.model]);
    case 'not_indexed':
      return [{ text: t.noteNotIndexed, own: false }];
    case 'empty':
      return [{ text: t.noteEmpty, own: false }];
  }
}

/** The article id of a `byline://article/ID` link, or null for any other address. */
export function articleIdOf(href: string): number | null {
  const match = /^byline:\/\/article\/(\d+)\/?$/.exec(href.trim());
  return match ? Number(match[1]) : null;
}
