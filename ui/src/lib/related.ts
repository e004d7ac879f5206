// Related-articles panel logic: the Rust result shapes, when a draft change is worth a new query,
// optimistic pin/hide, the "why" line and the Markdown link to insert. Pure functions.

import type { Explanation, Feedback as FeedbackAction, RankOptions as RankOptionsAll, Suggestion } from './bindings';
export type { Explanation, IndexStats, RelatedResult, Suggestion, Feedback as FeedbackAction } from './bindings';

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

/** One short line saying why a suggestion is related. */
export function whyLine(e: Explanation | null, max = 5): string {
  if (!e) return '';
  const shared = [...e.shared_entities, ...e.shared_terms.filter((t) => !e.shared_entities.includes(t))];
  if (shared.length > 0) return `Both mention ${shared.slice(0, max).join(', ')}`;
  if (e.passage_similarity !== null) return `Similar passage (${Math.round(e.passage_similarity * 100)}% match)`;
  return '';
}

/** A Markdown link to a library article; the editor resolves `byline://article/ID`. */
export function articleLink(s: Pick<Suggestion, 'id' | 'title'>): string {
  const title = (s.title.trim() || `Article ${s.id}`).replace(/([[\]\\])/g, '\\$1');
  return `[${title}](byline://article/${s.id})`;
}

/** The article id of a `byline://article/ID` link, or null for any other address. */
export function articleIdOf(href: string): number | null {
  const match = /^byline:\/\/article\/(\d+)\/?$/.exec(href.trim());
  return match ? Number(match[1]) : null;
}
