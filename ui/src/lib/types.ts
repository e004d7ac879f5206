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

/** Where inference runs, as the settings file and `--device` spell it. */
export type DeviceSetting = 'auto' | 'cpu' | 'metal' | `cuda:${number}`;

export type Settings = {
  theme: Theme;
  autosave_seconds: number;
  device: DeviceSetting;
  threads: number;
};

/** Where inference runs with the current settings (crate byline-device). */
export type DeviceReport = {
  /** "cpu", "cuda:0" or "metal". */
  name: string;
  threads: number;
  /** Why the setting's device is not the one in use. */
  fallback: string | null;
  /** GPU backends this build has. */
  compiled: string[];
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

// ---- Models (crate byline-models). Enums serialise in lowercase.

export type Task = 'llm' | 'whisper' | 'embed' | 'sentiment' | 'image' | 'tts' | 'vad';

export type ModelFormat = 'gguf' | 'ggml' | 'ctranslate2' | 'safetensors' | 'diffusers';

export type ModelSource =
  | { kind: 'url'; url: string; revision?: string | null }
  | {
      kind: 'pypi';
      package?: string | null;
      version?: string | null;
      member?: string | null;
      wheel_sha256?: string | null;
      parts?: { package: string; version: string; member: string; wheel_sha256?: string | null }[];
    };

export type ModelFileEntry = {
  path: string;
  size: number | null;
  sha256: string | null;
  sources: ModelSource[];
};

/** A catalog entry. `ram_mb`, `vram_mb` and `download_mb` are MiB. */
export type ModelEntry = {
  id: string;
  name: string;
  task: Task;
  format: ModelFormat;
  licence: string;
  languages: string[];
  ram_mb: number;
  vram_mb: number | null;
  download_mb: number;
  description: string;
  files: ModelFileEntry[];
};

export type InstalledFile = { path: string; size: number; sha256: string };

export type InstallManifest = {
  id: string;
  name: string | null;
  task: Task | null;
  format: ModelFormat | null;
  files: InstalledFile[];
  /** RFC 3339. */
  installed_at: string;
  /** A URL, `pypi NAME==VERSION`, `import` or `huggingface cache`. */
  source: string;
  imported_from?: string;
  location?: string;
};

export type ModelStatus = {
  id: string;
  name: string;
  task: Task | null;
  format: ModelFormat | null;
  licence: string | null;
  /** Installed size, or the expected download size when not installed. */
  size_bytes: number;
  ram_mb: number | null;
  installed: boolean;
  in_catalog: boolean;
  source: string | null;
  path: string | null;
};

export type ModelInfo = {
  status: ModelStatus;
  entry: ModelEntry | null;
  manifest: InstallManifest | null;
  total_ram_mb: number | null;
  /** null when the model's need or the machine's memory is unknown. */
  fits_in_ram: boolean | null;
};

export type VerifyReport = { id: string; files_checked: number; problems: string[] };

/** Progress of a model job; for downloads `done` and `total` are bytes of the current file. */
export type Progress = { done: number; total: number | null; message: string };
