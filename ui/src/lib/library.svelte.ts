// The sidebar's data: the paged article list and the live search results.
import { api } from './api';
import { upsertSummary } from './fields';
import { notices } from './notices.svelte';
import { DebouncedSearch } from './search';
import type { ArticleSummary, SearchHit } from './types';

const PAGE = 200;
const SEARCH_LIMIT = 100;

class Library {
  articles = $state<ArticleSummary[]>([]);
  hasMore = $state(false);
  loading = $state(false);
  /** True once the first page arrived, so "empty library" is not shown while loading. */
  loaded = $state(false);
  query = $state('');
  hits = $state<SearchHit[] | null>(null);
  searching = $state(false);
  #listSeq = 0;

  readonly #search = new DebouncedSearch<SearchHit[]>({
    run: (q) => api.librarySearch(q, SEARCH_LIMIT),
    onResult: (_q, result) => (this.hits = result),
    onError: (err) => notices.error(err, 'search'),
    onBusy: (busy) => (this.searching = busy),
    delayMs: 150,
  });

  get isEmpty(): boolean {
    return this.loaded && this.articles.length === 0;
  }

  setQuery(query: string): void {
    this.query = query;
    this.#search.set(query);
  }

  /** Reloads the list, keeping at least as many rows as are shown now. */
  async reload(): Promise<void> {
    const seq = ++this.#listSeq;
    const want = Math.max(PAGE, this.articles.length);
    this.loading = true;
    try {
      const page = await api.libraryList(want, 0);
      if (seq !== this.#listSeq) return;
      this.articles = page;
      this.hasMore = page.length >= want;
      this.loaded = true;
    } catch (err) {
      if (seq === this.#listSeq) notices.error(err, 'load');
    } finally {
      if (seq === this.#listSeq) this.loading = false;
    }
    if (this.query.trim() !== '') this.#search.refresh(this.query);
  }

  async loadMore(): Promise<void> {
    if (this.loading || !this.hasMore) return;
    const seq = ++this.#listSeq;
    this.loading = true;
    try {
      const page = await api.libraryList(PAGE, this.articles.length);
      if (seq !== this.#listSeq) return;
      const known = new Set(this.articles.map((a) => a.id));
      this.articles = [...this.articles, ...page.filter((a) => !known.has(a.id))];
      this.hasMore = page.length >= PAGE;
    } catch (err) {
      if (seq === this.#listSeq) notices.error(err, 'load');
    } finally {
      if (seq === this.#listSeq) this.loading = false;
    }
  }

  /** After a save: move the article to the top with its new title. */
  upsert(summary: ArticleSummary): void {
    this.articles = upsertSummary(this.articles, summary);
    if (this.hits) {
      const hit = this.hits.find((h) => h.id === summary.id);
      if (hit && hit.title !== summary.title) this.#search.refresh(this.query);
    }
  }

  remove(id: number): void {
    this.articles = this.articles.filter((a) => a.id !== id);
    if (this.hits) this.hits = this.hits.filter((h) => h.id !== id);
  }

  /** The id shown after `id` in the visible list, or before it when it was last. */
  neighbour(id: number): number | null {
    const ids = this.hits ? this.hits.map((h) => h.id) : this.articles.map((a) => a.id);
    const i = ids.indexOf(id);
    if (i < 0) return ids[0] ?? null;
    return ids[i + 1] ?? ids[i - 1] ?? null;
  }
}

export const library = new Library();
