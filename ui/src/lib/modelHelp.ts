// Which model each feature needs, and which one to recommend when none is installed. The ids are those of
// models/catalog.toml; the Models screen highlights the recommended row when a panel links to it.
import { messages, tr } from './i18n.svelte';
import type { ModelInfo } from './types';

// What each feature does with its model, as the panel's sentence says it.
const M = messages(
  {
    related: 'Related articles compare your draft with the library using a text model',
    transcripts: 'Transcription turns recordings into text with a speech model',
    tone: 'Tone is scored with built-in word lists; a tone model scores English more accurately',
    assistant: 'The assistant writes headlines, summaries and rewrites with a language model',
    images: 'Illustrations are generated with an image model',
  },
  {
    related: '相关文章用文本模型将你的草稿与资料库中的文章比对',
    transcripts: '转写用语音模型把录音变成文字',
    tone: '语气默认用内置词表评分；装上语气模型后，英文评分更准确',
    assistant: '写作助手用语言模型撰写标题、摘要和改写稿',
    images: '配图由图像模型生成',
  },
);

// A model's name stays as it is in both languages (panels show it with translate="no").
const NAMES = messages(
  {
    minilm: 'all-MiniLM-L6-v2',
    whisper: 'Whisper base',
    distilbert: 'DistilBERT SST-2',
    qwen: 'Qwen2.5 1.5B Instruct',
    sd: 'SD-Turbo',
  },
  {
    minilm: 'all-MiniLM-L6-v2',
    whisper: 'Whisper base',
    distilbert: 'DistilBERT SST-2',
    qwen: 'Qwen2.5 1.5B Instruct',
    sd: 'SD-Turbo',
  },
).en;

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
  /** What the feature does with the model, for the sentence in the panel (in the current language). */
  readonly purpose: string;
};

export const MODEL_NEEDS: Record<Feature, ModelNeed> = {
  related: {
    feature: 'related',
    task: 'embed',
    // The shell's default for related articles (byline-related DEFAULT_MODEL).
    recommended: 'all-minilm-l6-v2',
    recommendedName: NAMES.minilm,
    required: true,
    get purpose() {
      return tr(M).related;
    },
  },
  transcripts: {
    feature: 'transcripts',
    task: 'whisper',
    // Multilingual (English and Chinese interviews) and already in whisper.cpp's format, so no conversion step.
    recommended: 'whisper-base',
    recommendedName: NAMES.whisper,
    required: true,
    get purpose() {
      return tr(M).transcripts;
    },
  },
  tone: {
    feature: 'tone',
    task: 'sentiment',
    recommended: 'distilbert-sst2',
    recommendedName: NAMES.distilbert,
    required: false,
    get purpose() {
      return tr(M).tone;
    },
  },
  assistant: {
    feature: 'assistant',
    task: 'llm',
    // Writes English and Chinese and runs on most laptops; SmolLM2 is faster but weak at real editing.
    recommended: 'qwen2.5-1.5b-instruct-q4_k_m',
    recommendedName: NAMES.qwen,
    required: true,
    get purpose() {
      return tr(M).assistant;
    },
  },
  images: {
    feature: 'images',
    task: 'image',
    recommended: 'sd-turbo',
    recommendedName: NAMES.sd,
    required: true,
    get purpose() {
      return tr(M).images;
    },
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
