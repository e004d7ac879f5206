// Images panel logic: the Rust shapes, size presets (multiples of 8), request checks, the
// caption credit and the Markdown inserted into an article. Pure functions.

import { messages, tr } from './i18n.svelte';
import type { ModelInfo } from './types';

import type { GalleryImage, ImageJob, ImageMetadata } from './bindings';
export type { GalleryImage, ImageEvent, ImageJob, ImageMetadata } from './bindings';

export type SizePreset = { id: string; label: string; width: number; height: number };

const M = messages(
  {
    social: 'Social card',
    square: 'Square',
    width: 'Width',
    height: 'Height',
    notPositive: (name: string) => `${name} must be a positive whole number.`,
    notMultiple: (name: string, v: number, near: number) => `${name} ${v} must be a multiple of 8 (try ${near}).`,
    tooLarge: (name: string, v: number, max: number) => `${name} ${v} is larger than ${max}.`,
    noPrompt: 'Describe the illustration first.',
    badSteps: 'Steps must be at least 1.',
    badGuidance: 'Guidance must be between 0 and 50.',
    badStrength: 'Strength must be above 0 and at most 1 when starting from a picture.',
    creditBefore: 'AI-generated illustration (',
    creditSep: ', ',
    creditAfter: (seed: number) => `, seed ${seed})`,
    steps: (n: number) => `${n} step${n === 1 ? '' : 's'}`,
    guidance: (g: number) => `guidance ${g}`,
    seed: (seed: number) => `seed ${seed}`,
    from: (picture: string | null, strength: number) => `from ${picture ?? 'a picture'} at strength ${strength}`,
  },
  {
    social: '社交分享图',
    square: '方形',
    width: '宽度',
    height: '高度',
    notPositive: (name: string) => `${name}必须是正整数。`,
    notMultiple: (name: string, v: number, near: number) => `${name} ${v} 不是 8 的倍数（可改为 ${near}）。`,
    tooLarge: (name: string, v: number, max: number) => `${name} ${v} 超过了上限 ${max}。`,
    noPrompt: '请先描述要生成的配图。',
    badSteps: '步数至少为 1。',
    badGuidance: '引导系数须在 0 到 50 之间。',
    badStrength: '以图片为起点时，强度须大于 0 且不超过 1。',
    creditBefore: 'AI 生成的配图（',
    creditSep: '，',
    creditAfter: (seed: number) => `，种子 ${seed}）`,
    steps: (n: number) => `${n} 步`,
    guidance: (g: number) => `引导系数 ${g}`,
    seed: (seed: number) => `种子 ${seed}`,
    from: (picture: string | null, strength: number) =>
      picture ? `以 ${picture} 为起点，强度 ${strength}` : `以图片为起点，强度 ${strength}`,
  },
);

/** Rounds to the nearest multiple of 8 (at least 8): the VAE works on 8×8 pixel cells. */
export function nearestMultipleOf8(n: number): number {
  return Math.max(8, Math.round(n / 8) * 8);
}

export const SIZE_PRESETS: SizePreset[] = [
  // Open Graph / social cards are 1200×630; 630 is not a multiple of 8.
  {
    id: 'social',
    get label() {
      return tr(M).social;
    },
    width: nearestMultipleOf8(1200),
    height: nearestMultipleOf8(630),
  },
  { id: 'wide', label: '16:9', width: 1024, height: 576 },
  {
    id: 'square',
    get label() {
      return tr(M).square;
    },
    width: 512,
    height: 512,
  },
];

export const MAX_SIDE = 2048;

/** Why a size cannot be generated, or null when it can. */
export function sizeProblem(width: number, height: number): string | null {
  const t = tr(M);
  for (const [name, v] of [
    [t.width, width],
    [t.height, height],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) return t.notPositive(name);
    if (v % 8 !== 0) return t.notMultiple(name, v, nearestMultipleOf8(v));
    if (v > MAX_SIDE) return t.tooLarge(name, v, MAX_SIDE);
  }
  return null;
}

/** Why the request cannot be sent, or null. */
export function jobProblem(job: ImageJob): string | null {
  const t = tr(M);
  if (!job.prompt.trim()) return t.noPrompt;
  const size = sizeProblem(job.width, job.height);
  if (size) return size;
  if (job.steps !== null && (!Number.isInteger(job.steps) || job.steps < 1)) return t.badSteps;
  if (job.guidance !== null && !(job.guidance >= 0 && job.guidance <= 50)) return t.badGuidance;
  if (job.initPath !== null && !(job.strength !== null && job.strength > 0 && job.strength <= 1)) {
    return t.badStrength;
  }
  return null;
}

/** The caption credit in three parts, the model's names in the middle (the panel keeps them as they are). */
export function creditParts(meta: ImageMetadata): [before: string, model: string, after: string] {
  const t = tr(M);
  return [t.creditBefore, `${meta.model_family}${t.creditSep}${meta.model_id}`, t.creditAfter(meta.seed)];
}

/** The caption credit: says plainly that a model made the picture, and which. */
export function credit(meta: ImageMetadata): string {
  return creditParts(meta).join('');
}

function fileUrl(path: string): string {
  const p = path.replace(/\\/g, '/');
  const withSlash = p.startsWith('/') ? p : `/${p}`;
  return `file://${encodeURI(withSlash).replace(/\(/g, '%28').replace(/\)/g, '%29')}`;
}

/** Markdown for the article: the picture (alt text = prompt) and the credit line under it. */
export function insertMarkdown(image: GalleryImage): string {
  const alt = image.metadata.prompt.replace(/[[\]\n]/g, ' ').trim();
  return `![${alt}](${fileUrl(image.path)})\n\n*${credit(image.metadata)}*\n`;
}

/** One line for the gallery tooltip: how the picture was made. */
export function howMade(meta: ImageMetadata): string {
  const t = tr(M);
  const parts = [`${meta.width}×${meta.height}`, t.steps(meta.steps), t.guidance(meta.guidance), t.seed(meta.seed)];
  if (meta.strength != null) parts.push(t.from(meta.init_image ?? null, meta.strength));
  return `${meta.model_family} · ${parts.join(' · ')}`;
}

/** An installed image model the panel can offer. */
export type ImageModel = { id: string; name: string };

/** The installed image-generation models, the catalog's default (sd-turbo) first, then by name. */
export function installedImageModels(models: ModelInfo[]): ImageModel[] {
  return models
    .filter((m) => m.status.installed && m.status.task === 'image')
    .map((m) => ({ id: m.status.id, name: m.status.name }))
    .sort((a, b) => Number(b.id === DEFAULT_IMAGE_MODEL) - Number(a.id === DEFAULT_IMAGE_MODEL) || a.name.localeCompare(b.name));
}

/** Keeps the reporter's choice while it is still installed, else the first installed model. */
export function chooseImageModel(current: string | null, models: ImageModel[]): string | null {
  if (current && models.some((m) => m.id === current)) return current;
  return models[0]?.id ?? null;
}

export const DEFAULT_IMAGE_MODEL = 'sd-turbo';
