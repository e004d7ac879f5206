// Errors as a reporter reads them: one plain sentence, with the code and the engine's own message (paths,
// addresses, library errors) kept for a "Details" disclosure. The codes are those of the shell's CommandError
// (byline-core's `Error::code()` plus `internal`) and of api.ts (`ipc`, `unknown`, `no_shell`).
import { toApiError } from './api';

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

/** One sentence per code; an unknown code gets GENERIC. */
export const CODE_SENTENCES: Record<string, string> = {
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
};

export const GENERIC = 'Something went wrong. Try again; if it keeps happening, restart the app.';
export const MODEL_MISSING = 'This needs a model that is not installed yet. Install it on the Models screen.';
export const OFFLINE = CODE_SENTENCES.network;

/** Codes whose message the UI wrote itself, already in plain words. */
const OWN_MESSAGES = new Set(['unsaved', 'no_shell']);

/** What failed, by the context the caller gives. */
export const CONTEXT_TITLES: Record<string, string> = {
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
  'related articles': 'Related articles',
  'related index': 'Related articles',
  'related feedback': 'Related articles',
  sentiment: 'Tone',
  quotes: 'Quote check',
  comments: 'Readers’ comments',
  'comments import': 'Comments import failed',
  transcription: 'Transcription failed',
  transcript: 'Transcripts',
  'saving the transcript': 'Could not save the transcript',
  'read-aloud': 'Read aloud',
  assistant: 'Assistant',
  'assistant history': 'Assistant',
  'saving the task': 'Could not save the task',
  'resetting the task': 'Could not reset the task',
  recording: 'Recording failed',
  sources: 'Assistant sources',
  'image models': 'Images',
  'image gallery': 'Images',
  'image generation': 'Illustration failed',
};

const NETWORK = new RegExp(
  [
    'failed to lookup address',
    'dns error',
    'name or service not known',
    'temporary failure in name resolution',
    'connection refused',
    'connection reset',
    'network is unreachable',
    'no route to host',
    'error sending request',
    'tcp connect',
    'timed out',
  ].join('|'),
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

/** Turns anything thrown by a command into what the reporter reads. */
export function explainError(err: unknown, context: string | null = null): Explained {
  const e = toApiError(err);
  const title = context ? (CONTEXT_TITLES[context] ?? null) : null;
  const base = { title, code: e.code, details: e.message };
  if (OWN_MESSAGES.has(e.code)) return { ...base, sentence: e.message, modelMissing: false };
  if (isModelMissing(e.code, e.message)) return { ...base, sentence: MODEL_MISSING, modelMissing: true };
  if (NETWORK.test(e.message)) return { ...base, sentence: OFFLINE, modelMissing: false };
  return { ...base, sentence: CODE_SENTENCES[e.code] ?? GENERIC, modelMissing: false };
}
