// The open article and the actions on it. The editor registers its flush so
// that every action that leaves the current text (switch, new, delete, export,
// restore, close) saves it first and stops when that save failed.
import { api, ApiError, shell } from './api';
import { emptyFields, summaryOf } from './fields';
import { library } from './library.svelte';
import { notices } from './notices.svelte';
import { messages, tr } from './i18n.svelte';
import { fileNameFor } from './text';
import type { Article, ExportFormat, Revision } from './types';

const M = messages(
  {
    saveBeforeSwitch: 'Fix the save error (or retry) before switching articles.',
    openToExport: 'Open an article to export it.',
    exported: (path: string) => `Exported to ${path}`,
    restored: 'Revision restored. The previous text is kept in Revisions.',
    closeAgain: 'Your latest changes could not be saved. Close the window again to discard them.',
  },
  {
    saveBeforeSwitch: '请先解决保存出错的问题（或重试），再切换文章。',
    openToExport: '请先打开要导出的文章。',
    exported: (path: string) => `已导出到 ${path}`,
    restored: '已恢复该版本。之前的文本保留在修订记录中。',
    closeAgain: '最新的修改未能保存。再次关闭窗口将放弃这些修改。',
  },
);

type Flusher = () => Promise<boolean>;

class Workspace {
  current = $state<Article | null>(null);
  /** Bumped on every load (open, new, restore) but never on a save: it keys the editor. */
  loadSeq = $state(0);
  focusTitle = $state(false);
  showRevisions = $state(false);
  revisionsKey = $state(0);
  restoring = $state(false);
  #flusher: Flusher | null = null;
  #opening = 0;
  #closeAnyway = false;

  setFlusher(fn: Flusher | null): void {
    this.#flusher = fn;
  }

  /** Saves the open article; false (the error already shown) when that failed. */
  flush(): Promise<boolean> {
    return this.#flusher ? this.#flusher() : Promise.resolve(true);
  }

  #load(article: Article, focusTitle = false): void {
    this.current = article;
    this.focusTitle = focusTitle;
    this.loadSeq += 1;
  }

  async open(id: number): Promise<void> {
    if (this.current?.id === id) return;
    const seq = ++this.#opening;
    if (!(await this.flush())) {
      notices.error(new ApiError('unsaved', tr(M).saveBeforeSwitch), 'save');
      return;
    }
    try {
      const article = await api.articleGet(id);
      if (seq === this.#opening) this.#load(article);
    } catch (err) {
      notices.error(err, 'load');
    }
  }

  async create(): Promise<void> {
    if (!(await this.flush())) return;
    try {
      const article = await api.articleCreate(emptyFields());
      library.upsert(summaryOf(article));
      this.#load(article, true);
    } catch (err) {
      notices.error(err, 'create');
    }
  }

  /** Called by the editor after each successful save. */
  saved(article: Article): void {
    library.upsert(summaryOf(article));
    if (this.showRevisions) this.revisionsKey += 1;
  }

  async deleteCurrent(): Promise<void> {
    const doomed = this.current;
    if (!doomed) return;
    // Let a save that is under way land first, so it cannot re-list the deleted article.
    await this.flush();
    try {
      await api.articleDelete(doomed.id);
    } catch (err) {
      notices.error(err, 'delete');
      return;
    }
    const next = library.neighbour(doomed.id);
    library.remove(doomed.id);
    this.current = null;
    this.showRevisions = false;
    if (next !== null) await this.open(next);
  }

  async exportCurrent(format: ExportFormat): Promise<void> {
    const article = this.current;
    if (!article) {
      notices.info(tr(M).openToExport);
      return;
    }
    if (!(await this.flush())) return;
    try {
      const title = library.articles.find((a) => a.id === article.id)?.title ?? article.title;
      const path = await shell.pickExportPath(fileNameFor(title, format), format);
      if (!path) return;
      await api.articleExport(article.id, format, path);
      notices.info(tr(M).exported(path));
    } catch (err) {
      notices.error(err, 'export');
    }
  }

  async restore(revision: Revision): Promise<void> {
    const article = this.current;
    if (!article || this.restoring) return;
    this.restoring = true;
    try {
      // Save first: Rust then keeps the current text as a revision, so the restore is undoable.
      if (!(await this.flush())) return;
      const restored = await api.revisionRestore(article.id, revision.id);
      library.upsert(summaryOf(restored));
      this.#load(restored);
      this.revisionsKey += 1;
      notices.info(tr(M).restored);
    } catch (err) {
      notices.error(err, 'revisions');
    } finally {
      this.restoring = false;
    }
  }

  async save(): Promise<void> {
    if (await this.flush()) notices.clearErrors('save');
  }

  /** Window close: save, and only keep the window open once if saving failed. */
  async allowClose(): Promise<boolean> {
    if (await this.flush()) return true;
    if (this.#closeAnyway) return true;
    this.#closeAnyway = true;
    notices.error(
      new ApiError('unsaved', tr(M).closeAgain),
      'save',
    );
    return false;
  }
}

export const workspace = new Workspace();
