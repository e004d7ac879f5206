// Errors as a reporter reads them: one plain sentence, with the code and the engine's own message (paths,
// addresses, library errors) kept for a "Details" disclosure. The codes are those of the shell's CommandError
// (byline-core's `Error::code()` plus `internal`) and of api.ts (`ipc`, `unknown`, `no_shell`).
import { toApiError } from './api';
import { messages, tr } from './i18n.svelte';

export type Explained = {
  /** What failed, from the context: "Could not save". Null when the sentence says it all. */
  title: string | null;
  /** A sentence in plain language, without codes or addresses. */
  sentence: string;
  code: string;
  /** The raw message, for "Details" only. */
  details: string;
  /** True when the error means that a model is not installed. */
  modelMissing: boolean;
};

// One sentence per error code (the keys are the codes), plus the generic and model-missing ones.
const SENTENCES = messages(
  {
    io: 'A file could not be read or written. Check that it still exists and that Byline may use it.',
    database: 'The library could not be read or updated. Your text is still in the editor; try again in a moment.',
    not_found: 'Something this needs could not be found. It may have been deleted or moved.',
    invalid_input: 'That could not be done with what was given. Check the choices and try again.',
    format: 'This file could not be read: its content is not in a format Byline understands.',
    settings: 'The settings could not be read, so Byline is using its defaults.',
    cancelled: 'Stopped before it finished.',
    disk_full: 'The disk is full. Free some space, then try again.',
    unavailable: 'Something this needs is not available on this computer.',
    network:
      'Byline could not reach the internet to download this. Check the connection, then retry. ' +
      'Nothing else needs the network.',
    internal: 'Something went wrong inside Byline. Try again; if it keeps happening, restart the app.',
    ipc: 'The window could not reach the Byline engine. Restart the app if it keeps happening.',
    generic: 'Something went wrong. Try again; if it keeps happening, restart the app.',
    modelMissing: 'This needs a model that is not installed yet. Install it on the Models screen.',
  },
  {
    io: '无法读取或写入文件。请确认文件仍然存在，并且 Byline 有权访问它。',
    database: '无法读取或更新资料库。你的文字仍在编辑器中，请稍后再试。',
    not_found: '找不到所需的内容，它可能已被删除或移动。',
    invalid_input: '无法按所给的内容完成操作。请检查所选项后重试。',
    format: '无法读取此文件：Byline 无法识别其内容的格式。',
    settings: '无法读取设置，Byline 已改用默认设置。',
    cancelled: '已在完成前停止。',
    disk_full: '磁盘已满。请释放一些空间后重试。',
    unavailable: '这台电脑上缺少此功能所需的组件。',
    network: 'Byline 无法连接互联网进行下载。请检查网络连接后重试。其他功能都无需联网。',
    internal: 'Byline 内部出错。请重试；如果问题反复出现，请重启应用。',
    ipc: '窗口无法连接 Byline 引擎。如果问题反复出现，请重启应用。',
    generic: '出错了。请重试；如果问题反复出现，请重启应用。',
    modelMissing: '此功能需要一个尚未安装的模型。请在“模型”页面中安装。',
  },
);

/** The error codes that have a sentence of their own. */
const CODES = [
  'io',
  'database',
  'not_found',
  'invalid_input',
  'format',
  'settings',
  'cancelled',
  'disk_full',
  'unavailable',
  'network',
  'internal',
  'ipc',
] as const;
type Code = (typeof CODES)[number];

function isCode(code: string): code is Code {
  return (CODES as readonly string[]).includes(code);
}

/** One sentence per code, in the current language (read at each access); an unknown code gets GENERIC. */
export const CODE_SENTENCES: Readonly<Record<string, string>> = Object.defineProperties(
  {},
  Object.fromEntries(CODES.map((code) => [code, { enumerable: true, get: () => tr(SENTENCES)[code] }])),
);

// The English sentences, fixed, for comparisons in tests; explainError gives the current language's.
export const GENERIC = SENTENCES.en.generic;
export const MODEL_MISSING = SENTENCES.en.modelMissing;
export const OFFLINE = SENTENCES.en.network;

/** Codes whose message the UI wrote itself, already in plain words (and in the reporter's language). */
const OWN_MESSAGES = new Set(['unsaved', 'no_shell']);

/**
 * The key of an error context: callers name what failed with a short code ("save", "read-aloud",
 * "saving the transcript"); spaces and hyphens are the same ("related-articles" = "related articles").
 * The context is a key, never shown: what the reporter reads is its title below.
 */
export function contextKey(context: string): string {
  return context.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

/** What failed, by the context the caller gives (keys as contextKey writes them). */
const CONTEXT_TITLES = messages(
  {
    save: 'Could not save',
    load: 'Could not open the article',
    search: 'Search failed',
    import: 'Import failed',
    export: 'Export failed',
    delete: 'Could not delete',
    revisions: 'Revisions',
    settings: 'Settings',
    preview: 'Preview failed',
    create: 'Could not create the article',
    shell: 'App',
    models: 'Models',
    download: 'Download failed',
    verify: 'Verification failed',
    'model-import': 'Model import failed',
    'model-remove': 'Could not delete the model',
    'related-articles': 'Related articles',
    'related-index': 'Related articles',
    'related-feedback': 'Related articles',
    sentiment: 'Tone',
    quotes: 'Quote check',
    comments: 'Readers’ comments',
    'comments-import': 'Comments import failed',
    transcription: 'Transcription failed',
    transcript: 'Transcripts',
    'saving-the-transcript': 'Could not save the transcript',
    'read-aloud': 'Read aloud',
    assistant: 'Assistant',
    'assistant-history': 'Assistant',
    'saving-the-task': 'Could not save the task',
    'resetting-the-task': 'Could not reset the task',
    recording: 'Recording failed',
    sources: 'Assistant sources',
    'image-models': 'Images',
    'image-gallery': 'Images',
    'image-generation': 'Illustration failed',
    setup: 'Setup',
  },
  {
    save: '无法保存',
    load: '无法打开文章',
    search: '搜索失败',
    import: '导入失败',
    export: '导出失败',
    delete: '无法删除',
    revisions: '修订记录',
    settings: '设置',
    preview: '预览失败',
    create: '无法新建文章',
    shell: '应用',
    models: '模型',
    download: '下载失败',
    verify: '校验失败',
    'model-import': '模型导入失败',
    'model-remove': '无法删除模型',
    'related-articles': '相关文章',
    'related-index': '相关文章',
    'related-feedback': '相关文章',
    sentiment: '语气',
    quotes: '引语核对',
    comments: '读者评论',
    'comments-import': '读者评论导入失败',
    transcription: '转写失败',
    transcript: '转写稿',
    'saving-the-transcript': '无法保存转写稿',
    'read-aloud': '朗读',
    assistant: '写作助手',
    'assistant-history': '写作助手',
    'saving-the-task': '无法保存任务',
    'resetting-the-task': '无法重置任务',
    recording: '录音失败',
    sources: '写作助手的参考资料',
    'image-models': '配图',
    'image-gallery': '配图',
    'image-generation': '配图生成失败',
    setup: '初始设置',
  },
);

/** The title of an error in a context, in the current language; null for a context without one. */
export function contextTitle(context: string | null): string | null {
  if (!context) return null;
  const titles: Record<string, string> = tr(CONTEXT_TITLES);
  const key = contextKey(context);
  return Object.hasOwn(titles, key) ? titles[key] : null;
}

// Engine messages that mean the network is out of reach (matched, never shown).
const NETWORK = new RegExp(
  [
    /failed to lookup address/,
    /dns error/,
    /name or service not known/,
    /temporary failure in name resolution/,
    /connection refused/,
    /connection reset/,
    /network is unreachable/,
    /no route to host/,
    /error sending request/,
    /tcp connect/,
    /timed out/,
  ]
    .map((r) => r.source)
    .join('|'),
  'i',
);

/** Whether an error says that a model is not installed (the engine words it in a few ways). */
export function isModelMissing(code: string, message: string): boolean {
  if (code === 'not_found') return /\bmodel\b/i.test(message);
  if (code === 'invalid_input' || code === 'unavailable') {
    return /\bnot installed\b|byline models pull|\bno [a-z ]*model (is )?installed/i.test(message);
  }
  return false;
}

/** Turns anything thrown by a command into what the reporter reads, in the current language. */
export function explainError(err: unknown, context: string | null = null): Explained {
  const e = toApiError(err);
  const t = tr(SENTENCES);
  const base = { title: contextTitle(context), code: e.code, details: e.message };
  if (OWN_MESSAGES.has(e.code)) return { ...base, sentence: e.message, modelMissing: false };
  if (isModelMissing(e.code, e.message)) return { ...base, sentence: t.modelMissing, modelMissing: true };
  if (NETWORK.test(e.message)) return { ...base, sentence: t.network, modelMissing: false };
  return { ...base, sentence: isCode(e.code) ? t[e.code] : t.generic, modelMissing: false };
}
