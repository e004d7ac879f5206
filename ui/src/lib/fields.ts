// The editor works on a flat form of strings; these helpers convert between it
// and ArticleFields so that "nothing changed" compares equal.
import type { Article, ArticleFields, ArticleSummary } from './types';

export type ArticleForm = {
  title: string;
  body: string;
  dek: string;
  byline: string;
  outlet: string;
  section: string;
  tags: string;
  url: string;
  language: string;
  published: string;
};

export function emptyFields(): ArticleFields {
  return {
    title: '',
    body: '',
    dek: null,
    byline: null,
    outlet: null,
    section: null,
    tags: [],
    url: null,
    language: null,
    published: null,
  };
}

export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const raw of text.split(/[,，、]/)) {
    const tag = raw.trim();
    if (tag && !seen.has(tag)) {
      seen.add(tag);
      tags.push(tag);
    }
  }
  return tags;
}

export function formatTags(tags: readonly string[]): string {
  return tags.join(', ');
}

export function toForm(fields: ArticleFields): ArticleForm {
  return {
    title: fields.title,
    body: fields.body,
    dek: fields.dek ?? '',
    byline: fields.byline ?? '',
    outlet: fields.outlet ?? '',
    section: fields.section ?? '',
    tags: formatTags(fields.tags),
    url: fields.url ?? '',
    language: fields.language ?? '',
    published: fields.published ?? '',
  };
}

const optional = (s: string): string | null => (s.trim() === '' ? null : s.trim());

export function fromForm(form: ArticleForm): ArticleFields {
  return {
    title: form.title,
    body: form.body,
    dek: optional(form.dek),
    byline: optional(form.byline),
    outlet: optional(form.outlet),
    section: optional(form.section),
    tags: parseTags(form.tags),
    url: optional(form.url),
    language: optional(form.language),
    published: optional(form.published),
  };
}

export function fieldsOf(article: Article): ArticleFields {
  const { title, body, dek, byline, outlet, section, tags, url, language, published } = article;
  return { title, body, dek, byline, outlet, section, tags: [...tags], url, language, published };
}

export function fieldsEqual(a: ArticleFields, b: ArticleFields): boolean {
  return (
    a.title === b.title &&
    a.body === b.body &&
    a.dek === b.dek &&
    a.byline === b.byline &&
    a.outlet === b.outlet &&
    a.section === b.section &&
    a.url === b.url &&
    a.language === b.language &&
    a.published === b.published &&
    a.tags.length === b.tags.length &&
    a.tags.every((t, i) => t === b.tags[i])
  );
}

export function summaryOf(article: Article): ArticleSummary {
  return {
    id: article.id,
    title: article.title,
    dek: article.dek,
    byline: article.byline,
    language: article.language,
    published: article.published,
    updated_at: article.updated_at,
  };
}

/** Puts a saved article at the top of the list (most recently updated first). */
export function upsertSummary(list: readonly ArticleSummary[], item: ArticleSummary): ArticleSummary[] {
  return [item, ...list.filter((a) => a.id !== item.id)];
}
