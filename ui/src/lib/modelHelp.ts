// Which model each feature needs, and which one to recommend when none is installed. The ids are those of
// models/catalog.toml; the Models screen highlights the recommended row when a panel links to it.
import type { ModelInfo } from './types';

export type Feature = 'related' | 'transcripts' | 'tone' | 'assistant' | 'images';

export type ModelNeed = {
  feature: Feature;
  /** The catalog task whose installed models serve the feature. */
  task: string;
  /** The catalog id offered when none is installed. */
  recommended: string;
  /** Its name as the Models screen shows it. */
  recommendedName: string;
  /** False where the feature still works without it (Tone falls back to word lists). */
  required: boolean;
  /** What the feature does with the model, for the sentence in the panel. */
  purpose: string;
};

export const MODEL_NEEDS: Record<Feature, ModelNeed> = {
  related: {
    feature: 'related',
    task: 'embed',
    // The shell's default for related articles (byline-related DEFAULT_MODEL).
    recommended: 'all-minilm-l6-v2',
    recommendedName: 'all-MiniLM-L6-v2',
    required: true,
    purpose: 'Related articles compare your draft with the library using a text model',
  },
  transcripts: {
    feature: 'transcripts',
    task: 'whisper',
    // Multilingual (English and Chinese interviews) and already in whisper.cpp's format, so no conversion step.
    recommended: 'whisper-base',
    recommendedName: 'Whisper base',
    required: true,
    purpose: 'Transcription turns recordings into text with a speech model',
  },
  tone: {
    feature: 'tone',
    task: 'sentiment',
    recommended: 'distilbert-sst2',
    recommendedName: 'DistilBERT SST-2',
    required: false,
    purpose: 'Tone is scored with built-in word lists; a tone model scores English more accurately',
  },
  assistant: {
    feature: 'assistant',
    task: 'llm',
    // Writes English and Chinese and runs on most laptops; SmolLM2 is faster but weak at real editing.
    recommended: 'qwen2.5-1.5b-instruct-q4_k_m',
    recommendedName: 'Qwen2.5 1.5B Instruct',
    required: true,
    purpose: 'The assistant writes headlines, summaries and rewrites with a language model',
  },
  images: {
    feature: 'images',
    task: 'image',
    recommended: 'sd-turbo',
    recommendedName: 'SD-Turbo',
    required: true,
    purpose: 'Illustrations are generated with an image model',
  },
};

/** Ids of the installed models that serve a feature, the recommended one first. */
export function installedFor(models: ModelInfo[], feature: Feature): string[] {
  const need = MODEL_NEEDS[feature];
  const ids = models.filter((m) => m.status.installed && m.status.task === need.task).map((m) => m.status.id);
  return ids.sort((a, b) => Number(b === need.recommended) - Number(a === need.recommended));
}

/** Whether the feature's model is missing: Related needs its exact default model, the others any of their task. */
export function modelMissing(models: ModelInfo[], feature: Feature): boolean {
  const installed = installedFor(models, feature);
  if (feature === 'related') return !installed.includes(MODEL_NEEDS.related.recommended);
  return installed.length === 0;
}

/** What the shell transcribes with when no model is named (byline-transcribe DEFAULT_MODEL). */
export const SHELL_WHISPER_DEFAULT = 'whisper-tiny.en-ct2';

/** The whisper model a transcription uses: the reporter's choice, else an installed one (null: the shell's default). */
export function transcriptionModel(typed: string, models: ModelInfo[]): string | null {
  if (typed.trim()) return typed.trim();
  const installed = installedFor(models, 'transcripts');
  if (installed.includes(SHELL_WHISPER_DEFAULT)) return null;
  return installed[0] ?? null;
}
