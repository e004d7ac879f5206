// The types the shell's commands take and return are generated from the Rust types (ui/src/lib/bindings,
// written by src-tauri/src/bindings.rs; a test fails when they drift). Field names are snake_case, as the
// engines serialise them; command *arguments* are camelCase. This module re-exports them under the names the
// UI uses and adds the UI's own types.
import type { Settings } from './bindings';

export type {
  Article,
  ArticleFields,
  ArticleSummary,
  DeviceReport,
  FileEntry as ModelFileEntry,
  Format as ModelFormat,
  ImportSummary,
  InstallManifest,
  Language,
  InstalledFile,
  ModelEntry,
  ModelInfo,
  ModelSource,
  ModelStatus,
  Progress,
  Revision,
  SearchHit,
  Settings,
  Task,
  Theme,
  VerifyReport,
} from './bindings';

export type { Progress as ImportProgress } from './bindings';

/** Where inference runs, as the settings file and `--device` spell it. */
export type { DeviceChoice as DeviceSetting } from './bindings';

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
  language: 'system',
  setup_done: false,
};
