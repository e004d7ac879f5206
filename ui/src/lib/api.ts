// The only module that talks to Rust. Every command is typed here and every
// failure leaves as an ApiError, whatever shape the rejection had.
import { Channel, invoke, isTauri } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { getCurrentWindow } from '@tauri-apps/api/window';
import type {
  Article,
  ArticleFields,
  ArticleSummary,
  DeviceReport,
  ExportFormat,
  ImportProgress,
  ImportSummary,
  InstallManifest,
  MenuAction,
  ModelInfo,
  Progress,
  Revision,
  SearchHit,
  Settings,
  VerifyReport,
} from './types';
import type {
  InputDevice,
  LevelEvent,
  LiveUpdate,
  StoredTranscript,
  TranscribeEvent,
  TranscribeOptions,
  Transcript,
  TranscriptExportFormat,
  TranscriptSummary,
} from './transcript';
import type { OpenPurpose, RecordSummary, SavePurpose, SetupPlan, VoiceProfile, WarmInfo } from './bindings';
import type { QuoteBankFilter, QuoteHit, QuotesReport } from './quotes';
import type { FeedbackAction, IndexStats, RankOptions, RelatedResult, UsageSummary } from './related';
import type { GalleryImage, ImageEvent, ImageJob } from './images';
import type {
  AssistantEvent,
  AssistantRequest,
  AssistantResult,
  GenerationRecord,
  InstalledLlm,
  TaskTemplate,
} from './assistant';
import type {
  BucketSize,
  Distribution,
  DraftSentiment,
  EngineChoice,
  ImportReport as CommentImportReport,
  Segment,
  TranscriptSentiment,
} from './sentiment';
import type { AudioVersion, SpeechEvent, Voice, VoiceOptions } from './speech.svelte';

export class ApiError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Turns anything a rejected promise may carry into an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isRecord(err) && typeof err.code === 'string' && typeof err.message === 'string') {
    return new ApiError(err.code, err.message);
  }
  if (err instanceof Error) {
    return new ApiError('internal', err.message || err.name);
  }
  if (typeof err === 'string') {
    // Tauri itself rejects with bare strings, e.g. for an unknown command or bad arguments.
    return new ApiError('ipc', err.trim() || 'Unknown error');
  }
  if (isRecord(err) && typeof err.message === 'string') {
    return new ApiError('unknown', err.message);
  }
  if (err === undefined || err === null) {
    return new ApiError('unknown', 'Unknown error');
  }
  let text: string;
  try {
    text = JSON.stringify(err);
  } catch {
    text = String(err);
  }
  return new ApiError('unknown', text);
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  if (typeof window !== 'undefined' && !('__TAURI_INTERNALS__' in window)) {
    throw new ApiError('no_shell', 'The Byline engine is not available: this page was opened outside the app.');
  }
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw toApiError(err);
  }
}

export const api = {
  libraryList(limit?: number, offset?: number): Promise<ArticleSummary[]> {
    return call('library_list', { limit, offset });
  },
  librarySearch(query: string, limit?: number): Promise<SearchHit[]> {
    return call('library_search', { query, limit });
  },
  articleGet(id: number): Promise<Article> {
    return call('article_get', { id });
  },
  articleCreate(fields: ArticleFields): Promise<Article> {
    return call('article_create', { fields });
  },
  articleSave(id: number, fields: ArticleFields): Promise<Article> {
    return call('article_save', { id, fields });
  },
  articleDelete(id: number): Promise<null> {
    return call('article_delete', { id });
  },
  revisionsList(articleId: number): Promise<Revision[]> {
    return call('revisions_list', { articleId });
  },
  revisionRestore(articleId: number, revisionId: number): Promise<Article> {
    return call('revision_restore', { articleId, revisionId });
  },
  libraryImport(
    paths: string[],
    jobId: string,
    onProgress: (progress: ImportProgress) => void,
  ): Promise<ImportSummary> {
    const channel = new Channel<ImportProgress>();
    channel.onmessage = onProgress;
    return call('library_import', { paths, jobId, onProgress: channel });
  },
  jobCancel(jobId: string): Promise<null> {
    return call('job_cancel', { jobId });
  },
  articleExport(id: number, format: ExportFormat, path: string): Promise<null> {
    return call('article_export', { id, format, path });
  },
  markdownPreview(markdown: string): Promise<string> {
    return call('markdown_preview', { markdown });
  },
  settingsGet(): Promise<Settings> {
    return call('settings_get');
  },
  /** What the app had to do at start (a damaged settings file set aside), each said once. */
  /** Where inference runs with the current settings, and why if that is not what they ask. */
  deviceStatus(): Promise<DeviceReport> {
    return call('device_status');
  },
  startupNotices(): Promise<string[]> {
    return call('startup_notices');
  },
  /** The files the app was opened with (a double-click in the file manager), each given once. */
  openedFiles(): Promise<string[]> {
    return call('opened_files');
  },
  settingsSave(settings: Settings): Promise<null> {
    return call('settings_save', { settings });
  },
  /** Puts the native menu in the interface's language. */
  menuLanguage(language: 'en' | 'zh'): Promise<null> {
    return call('menu_language', { language });
  },
  modelsList(): Promise<ModelInfo[]> {
    return call('models_list');
  },
  /** The first run's recommendations for this machine: one model per capability, Chinese-capable ones when `chinese`. */
  setupPlan(chinese: boolean): Promise<SetupPlan> {
    return call('setup_plan', { chinese });
  },
  /** Downloads a catalog model; rejects with code "cancelled" after jobCancel(jobId). */
  modelsPull(id: string, jobId: string, onProgress: (progress: Progress) => void): Promise<InstallManifest> {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call('models_pull', { id, jobId, onProgress: channel });
  },
  /** Registers a local model file (.gguf, .bin, .safetensors) or model folder. */
  modelsImport(path: string, jobId: string): Promise<InstallManifest> {
    return call('models_import', { path, jobId });
  },
  modelsRemove(id: string): Promise<null> {
    return call('models_remove', { id });
  },
  modelsVerify(id: string, jobId: string): Promise<VerifyReport[]> {
    return call('models_verify', { id, jobId });
  },
  /** The models loaded in memory now (kept warm between requests). */
  modelsWarm(): Promise<WarmInfo[]> {
    return call('models_warm');
  },
  /** Frees every loaded model that is not in use; resolves to what was freed. */
  modelsUnload(): Promise<string[]> {
    return call('models_unload');
  },
  // ---- Transcription (TranscriptPanel)
  /** Transcribes and stores a file; streams progress and finished segments; cancel with jobCancel(jobId). */
  transcribeFile(
    path: string,
    model: string | null,
    options: TranscribeOptions,
    jobId: string,
    onEvent: (event: TranscribeEvent) => void,
  ): Promise<StoredTranscript> {
    const channel = new Channel<TranscribeEvent>();
    channel.onmessage = onEvent;
    return call('transcribe_file', { path, model, options, jobId, onEvent: channel });
  },
  transcriptList(): Promise<TranscriptSummary[]> {
    return call('transcript_list');
  },
  transcriptGet(id: number): Promise<StoredTranscript> {
    return call('transcript_get', { id });
  },
  transcriptSave(id: number, edited: Transcript): Promise<null> {
    return call('transcript_save', { id, edited });
  },
  transcriptDelete(id: number): Promise<null> {
    return call('transcript_delete', { id });
  },
  /** Voices the reporter has named, recognised in later transcriptions. */
  voicesList(): Promise<VoiceProfile[]> {
    return call('voices_list');
  },
  /** Forgets a named voice; resolves to the voices left. */
  voicesDelete(name: string): Promise<VoiceProfile[]> {
    return call('voices_delete', { name });
  },
  /** Writes the export to `dest` (null: the app's exports folder); resolves to the path written. */
  transcriptExport(
    id: number,
    format: TranscriptExportFormat,
    options: { timestamps: boolean; speakers: boolean },
    dest: string | null,
  ): Promise<string> {
    return call('transcript_export', { id, format, options, raw: false, dest });
  },
  /** The recording's bytes, for a blob URL in an <audio> element. */
  transcriptAudio(id: number): Promise<ArrayBuffer> {
    return call('transcript_audio', { id });
  },
  transcriptionVocabulary(set?: string[]): Promise<string[]> {
    return call('transcription_vocabulary', { set: set ?? null });
  },
  recordDevices(): Promise<InputDevice[]> {
    return call('record_devices');
  },
  /** Records until recordStop; with live, onLive gets the live text from `model` (null: the default). */
  recordStart(
    device: string | null,
    jobId: string,
    onLevel: (event: LevelEvent) => void,
    live = false,
    model: string | null = null,
    onLive: (update: LiveUpdate) => void = () => {},
  ): Promise<RecordSummary> {
    const channel = new Channel<LevelEvent>();
    channel.onmessage = onLevel;
    const liveChannel = new Channel<LiveUpdate>();
    liveChannel.onmessage = onLive;
    return call('record_start', { out: null, device, jobId, live, model, onLevel: channel, onLive: liveChannel });
  },
  recordPause(jobId: string, paused: boolean): Promise<null> {
    return call('record_pause', { jobId, paused });
  },
  recordStop(jobId: string): Promise<null> {
    return call('record_stop', { jobId });
  },
  // ---- Quotes (QuotesPanel)
  /** Every quotation in `text`, checked against the library's transcripts, or with `sourcesOf` only against
   *  that article's linked interviews. */
  quotesCheck(text: string, sourcesOf: number | null = null): Promise<QuotesReport> {
    return call('quotes_check', { text, sourcesOf });
  },
  /** Quote bank: where a phrase was said in any transcript, narrowed by speaker, interview and days. */
  quotesSearch(phrase: string, filter: QuoteBankFilter = {}): Promise<QuoteHit[]> {
    return call('quotes_search', {
      phrase,
      speaker: filter.speaker ?? null,
      transcriptId: filter.transcriptId ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      exact: filter.exact ?? false,
    });
  },
  /** The interviews (transcripts) linked to an article. */
  quotesSources(articleId: number): Promise<TranscriptSummary[]> {
    return call('quotes_sources', { articleId });
  },
  /** Links or unlinks an interview to an article; the article's interviews after the change. */
  quotesLink(articleId: number, transcriptId: number, linked: boolean): Promise<TranscriptSummary[]> {
    return call('quotes_link', { articleId, transcriptId, linked });
  },
  // ---- Related articles (RelatedPanel)
  /** Embeds new or changed articles in the background; cancel with jobCancel(jobId), rerun resumes. */
  relatedIndex(jobId: string, onProgress: (progress: Progress) => void, model?: string): Promise<IndexStats> {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call('related_index', { model: model ?? null, jobId, onProgress: channel });
  },
  relatedForArticle(id: number, options?: RankOptions, model?: string): Promise<RelatedResult> {
    return call('related_for_article', { id, model: model ?? null, options: options ?? null });
  },
  /** Suggestions for unsaved editor text; `articleId` (the article being edited) is excluded. */
  relatedForDraft(text: string, articleId: number | null, options?: RankOptions, model?: string): Promise<RelatedResult> {
    return call('related_for_draft', { text, articleId, model: model ?? null, options: options ?? null });
  },
  relatedFeedback(articleId: number, suggestionId: number, action: FeedbackAction): Promise<null> {
    return call('related_feedback', { articleId, suggestionId, action });
  },
  /** The reporter opened `openedId` from the Related panel while writing `articleId` (learning from use). */
  relatedOpened(articleId: number, openedId: number): Promise<null> {
    return call('related_opened', { articleId, openedId });
  },
  /** What learning from use has recorded: the total and the most recent uses. */
  relatedUsage(limit?: number): Promise<UsageSummary> {
    return call('related_usage', { limit: limit ?? null });
  },
  /** Forgets every recorded use (pins stay pinned); the number forgotten. */
  relatedUsageReset(): Promise<number> {
    return call('related_usage_reset', {});
  },
  // ---- Drafting assistant (AssistantPanel)
  /** Installed language models (GGUF); empty when none: the panel then links to the Models screen. */
  assistantModels(): Promise<InstalledLlm[]> {
    return call('assistant_models');
  },
  /** Editorial task templates, optionally of one language. */
  assistantTasks(language?: string): Promise<TaskTemplate[]> {
    return call('assistant_tasks', { language });
  },
  assistantTaskSave(task: TaskTemplate): Promise<TaskTemplate> {
    return call('assistant_task_save', { task });
  },
  assistantTaskReset(key: string, language: string): Promise<TaskTemplate> {
    return call('assistant_task_reset', { key, language });
  },
  /** Runs a task, streaming tokens; jobCancel(jobId) stops it within a token and still resolves. */
  assistantRun(request: AssistantRequest, jobId: string, onEvent: (event: AssistantEvent) => void): Promise<AssistantResult> {
    const channel = new Channel<AssistantEvent>();
    channel.onmessage = onEvent;
    return call('assistant_run', { request, jobId, onEvent: channel });
  },
  /** Generations kept for an article, newest first. */
  assistantHistory(articleId: number | null, limit?: number): Promise<GenerationRecord[]> {
    return call('assistant_history', { articleId, limit });
  },
  assistantHistoryDelete(id: number): Promise<null> {
    return call('assistant_history_delete', { id });
  },
  /** Frees the loaded language model's memory. */
  assistantUnload(): Promise<boolean> {
    return call('assistant_unload');
  },
  // ---- Illustrations (ImagesPanel)
  /** Generates a PNG labelled as AI-generated; streams steps and previews; cancel with jobCancel(jobId). */
  imagesGenerate(job: ImageJob, jobId: string, onEvent: (event: ImageEvent) => void): Promise<GalleryImage> {
    const channel = new Channel<ImageEvent>();
    channel.onmessage = onEvent;
    return call('images_generate', { job, jobId, onEvent: channel });
  },
  /** The article's generated illustrations, newest first. */
  imagesGallery(articleId: number): Promise<GalleryImage[]> {
    return call('images_gallery', { articleId });
  },
  // ---- Sentiment (SentimentPanel)
  /** Tone of a draft sentence by sentence (byte offsets), per paragraph and overall; cancel with jobCancel(jobId). */
  sentimentAnalyzeText(text: string, engine: EngineChoice, jobId: string, onProgress: (p: Progress) => void): Promise<DraftSentiment> {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call('sentiment_analyze_text', { text, engineName: engine, jobId, onProgress: channel });
  },
  /** Per-speaker tone of transcript segments. */
  sentimentAnalyzeSegments(segments: Segment[], engine: EngineChoice): Promise<TranscriptSentiment> {
    return call('sentiment_analyze_segments', { segments, engineName: engine });
  },
  /** Imports a CSV / JSON Lines comments file; rows without an article reference go to `article`. */
  sentimentImportComments(
    path: string,
    article: string | null,
    engine: EngineChoice,
    jobId: string,
    onProgress: (p: Progress) => void,
  ): Promise<CommentImportReport> {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call('sentiment_import_comments', { path, article, engineName: engine, jobId, onProgress: channel });
  },
  sentimentCommentDistribution(article: string, bucket: BucketSize): Promise<Distribution> {
    return call('sentiment_comment_distribution', { article, bucket });
  },
  // ---- Read aloud (ReadAloudBar)
  speechVoices(): Promise<Voice[]> {
    return call('speech_voices');
  },
  /** Plays until the end or speechControl(jobId, 'stop'); events say which sentence is heard. */
  speechPlay(markdown: string, options: VoiceOptions, jobId: string, onEvent: (e: SpeechEvent) => void): Promise<null> {
    const channel = new Channel<SpeechEvent>();
    channel.onmessage = onEvent;
    return call('speech_play', { jobId, markdown, options, onEvent: channel });
  },
  speechControl(jobId: string, action: 'pause' | 'resume' | 'stop' | 'speed', speed?: number): Promise<null> {
    return call('speech_control', { jobId, action, speed: speed ?? null });
  },
  /** Writes the audio version (.ogg or .wav) and attaches it to the article. */
  speechExport(
    articleId: number,
    markdown: string,
    path: string,
    options: VoiceOptions,
    jobId: string,
    onProgress: (p: Progress) => void,
  ): Promise<[AudioVersion, unknown]> {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call('speech_export', { jobId, articleId, markdown, path, options, onProgress: channel });
  },
};

/** A job id for cancellable commands; randomUUID needs a secure context, so fall back. */
export function newJobId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

// ---- Shell integration: native menu events, dialogs, drag and drop, window close.
// Kept here so the rest of the UI never imports @tauri-apps directly.


export type Unlisten = () => void;
export type DragDrop =
  | { type: 'enter' | 'over'; paths: string[] }
  | { type: 'drop'; paths: string[] }
  | { type: 'leave' };

/** False in a plain browser (vite dev without the shell): shell hooks become no-ops. */
export function inShell(): boolean {
  return isTauri();
}

async function guard<T>(fallback: T, fn: () => Promise<T>): Promise<T> {
  if (!isTauri()) return fallback;
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}

const noop: Unlisten = () => {};

export const shell = {
  onMenu(handler: (action: MenuAction) => void): Promise<Unlisten> {
    return guard(noop, () => listen<MenuAction>('menu', (e) => handler(e.payload)));
  },

  onDragDrop(handler: (event: DragDrop) => void): Promise<Unlisten> {
    return guard(noop, () =>
      getCurrentWebview().onDragDropEvent((e) => {
        const p = e.payload;
        if (p.type === 'leave') handler({ type: 'leave' });
        else if (p.type === 'drop') handler({ type: 'drop', paths: p.paths });
        else handler({ type: p.type, paths: 'paths' in p ? p.paths : [] });
      }),
    );
  },

  /** The handler decides: resolve true to let the window close, false to keep it open. */
  onCloseRequested(handler: () => Promise<boolean>): Promise<Unlisten> {
    return guard(noop, () =>
      getCurrentWindow().onCloseRequested(async (event) => {
        let close = true;
        try {
          close = await handler();
        } catch {
          close = true; // a broken handler must not trap the user in the app
        }
        if (!close) event.preventDefault();
      }),
    );
  },

  // The dialogs open in the shell (`pick_open`, `pick_save`), which records what the user chose: the
  // commands that read or write a file accept only those, so a script in an imported article cannot name
  // any other. Each returns nothing when the user cancelled.
  pickImportFiles(): Promise<string[]> {
    return pickOpen('import-files');
  },

  pickImportFolder(): Promise<string[]> {
    return pickOpen('import-folder');
  },

  async pickModelFile(): Promise<string | null> {
    return (await pickOpen('model-file'))[0] ?? null;
  },

  /** A readers' comments file (CSV or JSON Lines), or null when the user cancelled. */
  async pickCommentsFile(): Promise<string | null> {
    return (await pickOpen('comments-file'))[0] ?? null;
  },

  async pickModelFolder(): Promise<string | null> {
    return (await pickOpen('model-folder'))[0] ?? null;
  },

  /** One audio or video file to transcribe, or null. */
  async pickAudioFile(): Promise<string | null> {
    return (await pickOpen('audio-file'))[0] ?? null;
  },

  /** A starting picture for image-to-image, or null. */
  async pickImageFile(): Promise<string | null> {
    return (await pickOpen('image-file'))[0] ?? null;
  },

  pickTranscriptExportPath(defaultName: string): Promise<string | null> {
    return pickSave('transcript', defaultName);
  },

  pickAudioPath(defaultName: string): Promise<string | null> {
    return pickSave('audio', defaultName);
  },

  pickExportPath(defaultName: string, format: ExportFormat): Promise<string | null> {
    return pickSave(format === 'md' ? 'article-markdown' : 'article-html', defaultName);
  },
};

function pickOpen(purpose: OpenPurpose): Promise<string[]> {
  return guard([], () => call<string[]>('pick_open', { purpose }));
}

function pickSave(purpose: SavePurpose, defaultName: string): Promise<string | null> {
  return guard(null, () => call<string | null>('pick_save', { purpose, defaultName }));
}
