// Images panel logic: the Rust shapes, size presets (multiples of 8), request checks, the
// caption credit and the Markdown inserted into an article. Pure functions.

import type { ModelInfo } from './types';

import type { GalleryImage, ImageJob, ImageMetadata } from './bindings';
export type { GalleryImage, ImageEvent, ImageJob, ImageMetadata } from './bindings';

export type SizePreset = { id: string; label: string; width: number; height: number };

/** Rounds to the nearest multiple of 8 (at least 8): the VAE works on 8×8 pixel cells. */
export function nearestMultipleOf8(n: number): number {
  return Math.max(8, Math.round(n / 8) * 8);
}

export const SIZE_PRESETS: SizePreset[] = [
  // Open Graph / social cards are 1200×630; 630 is not a multiple of 8.
  { id: 'social', label: 'Social card', width: nearestMultipleOf8(1200), height: nearestMultipleOf8(630) },
  { id: 'wide', label: '16:9', width: 1024, height: 576 },
  { id: 'square', label: 'Square', width: 512, height: 512 },
];

export const MAX_SIDE = 2048;

/** Why a size cannot be generated, or null when it can. */
export function sizeProblem(width: number, height: number): string | null {
  for (const [name, v] of [
    ['Width', width],
    ['Height', height],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) return `${name} must be a positive whole number.`;
    if (v % 8 !== 0) return `${name} ${v} must be a multiple of 8 (try ${nearestMultipleOf8(v)}).`;
    if (v > MAX_SIDE) return `${name} ${v} is larger than ${MAX_SIDE}.`;
  }
  return null;
}

/** Why the request cannot be sent, or null. */
export function jobProblem(job: ImageJob): string | null {
  if (!job.prompt.trim()) return 'Describe the illustration first.';
  const size = sizeProblem(job.width, job.height);
  if (size) return size;
  if (job.steps !== null && (!Number.isInteger(job.steps) || job.steps < 1)) return 'Steps must be at least 1.';
  if (job.guidance !== null && !(job.guidance >= 0 && job.guidance <= 50)) return 'Guidance must be between 0 and 50.';
  if (job.initPath !== null && !(job.strength !== null && job.strength > 0 && job.strength <= 1)) {
    return 'Strength must be above 0 and at most 1 when starting from a picture.';
  }
  return null;
}

/** The caption credit: says plainly that a model made the picture, and which. */
export function credit(meta: ImageMetadata): string {
  return `AI-generated illustration (${meta.model_family}, ${meta.model_id}, seed ${meta.seed})`;
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
  const parts = [`${meta.width}×${meta.height}`, `${meta.steps} step${meta.steps === 1 ? '' : 's'}`];
  parts.push(`guidance ${meta.guidance}`, `seed ${meta.seed}`);
  if (meta.strength !== undefined) parts.push(`from ${meta.init_image ?? 'a picture'} at strength ${meta.strength}`);
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
