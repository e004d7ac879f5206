// Mirrors the serde types of the Rust commands. Field names are snake_case
// because that is what the shell serialises; command *arguments* are camelCase.

export type ArticleFields = {
  title: string;
  body: string;
  dek: string | null;
  byline: string | null;
  outlet: string | null;
  section: string | null;
  tags: string[];
  url: string | null;
  language: string | null;
  published: string | null;
};

export type Article = ArticleFields & {
  id: number;
  source_path: string | null;
  content_hash: string;
  created_at: string;
  updated_at: string;
};

export type ArticleSummary = {
  id: number;
  title: string;
  dek: string | null;
  byline: string | null;
  language: string | null;
  published: string | null;
  updated_at: string;
};

/** `title_html` and `snippet_html` are escaped by Rust; only `<mark>` is markup. */
export type SearchHit = {
  id: number;
  title: string;
  title_html: string;
  snippet_html: string;
  rank: number;
};

export type Revision = {
  id: number;
  article_id: number;
  title: string;
  body: string;
  content_hash: string;
  created_at: string;
  reason: string;
};

export type ImportProgress = { done: number; total: number | null; message: string };

export type ImportSummary = {
  imported: { path: string; id: number; title: string }[];
  duplicates: { path: string; title: string; existing_id: number }[];
  errors: { path: string; location: string | null; message: string }[];
  cancelled: boolean;
};

export type Theme = 'system' | 'light' | 'dark';

export type Settings = {
  theme: Theme;
  autosave_seconds: number;
  device: string;
  threads: number;
};

export type ExportFormat = 'md' | 'html';

export type MenuAction =
  | 'new-article'
  | 'import-files'
  | 'import-folder'
  | 'export-md'
  | 'export-html'
  | 'find'
  | 'save';

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  autosave_seconds: 3,
  device: 'auto',
  threads: 0,
};
