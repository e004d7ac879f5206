import { describe, expect, it } from 'vitest';
import type { ModelInfo } from './types';
import {
  SIZE_PRESETS,
  chooseImageModel,
  credit,
  howMade,
  insertMarkdown,
  installedImageModels,
  jobProblem,
  nearestMultipleOf8,
  sizeProblem,
  type GalleryImage,
  type ImageJob,
  type ImageMetadata,
} from './images';

const meta: ImageMetadata = {
  ai_generated: true,
  software: 'Byline 0.1.0',
  prompt: 'Harbour [at] night',
  negative_prompt: 'blurry',
  model_id: 'sd-turbo',
  model_family: 'SD-Turbo',
  model_sha256: 'ab'.repeat(32),
  seed: 42,
  steps: 1,
  guidance: 0,
  scheduler: 'EulerDiscreteScheduler',
  width: 512,
  height: 512,
  created_at: '2026-11-29T17:00:00Z',
};

const job: ImageJob = {
  prompt: 'a harbour',
  negativePrompt: '',
  model: null,
  steps: null,
  guidance: null,
  seed: null,
  width: 512,
  height: 512,
  initPath: null,
  strength: null,
  articleId: 3,
};

describe('sizes', () => {
  it('rounds to multiples of 8 and the social card becomes 1200x632', () => {
    expect(nearestMultipleOf8(630)).toBe(632);
    expect(nearestMultipleOf8(3)).toBe(8);
    const social = SIZE_PRESETS.find((p) => p.id === 'social');
    expect(social).toMatchObject({ width: 1200, height: 632 });
    for (const p of SIZE_PRESETS) expect(sizeProblem(p.width, p.height)).toBeNull();
  });

  it('explains bad sizes', () => {
    expect(sizeProblem(1200, 630)).toContain('try 632');
    expect(sizeProblem(0, 512)).toContain('positive');
    expect(sizeProblem(4096, 512)).toContain('larger');
  });
});

describe('jobProblem', () => {
  it('accepts a plain request and refuses bad ones', () => {
    expect(jobProblem(job)).toBeNull();
    expect(jobProblem({ ...job, prompt: '  ' })).toContain('Describe');
    expect(jobProblem({ ...job, steps: 0 })).toContain('at least 1');
    expect(jobProblem({ ...job, guidance: 80 })).toContain('Guidance');
    expect(jobProblem({ ...job, initPath: '/tmp/a.png', strength: null })).toContain('Strength');
    expect(jobProblem({ ...job, initPath: '/tmp/a.png', strength: 0.6 })).toBeNull();
  });
});

describe('credit and markdown', () => {
  it('labels the picture as AI-generated with model and seed', () => {
    expect(credit(meta)).toBe('AI-generated illustration (SD-Turbo, sd-turbo, seed 42)');
    const image: GalleryImage = {
      attachmentId: 7,
      path: '/home/ana/My Pictures/(1).png',
      sha256: 'x',
      metadata: meta,
      thumbnail: 'data:image/png;base64,',
    };
    const md = insertMarkdown(image);
    expect(md).toBe(
      '![Harbour  at  night](file:///home/ana/My%20Pictures/%281%29.png)\n\n*AI-generated illustration (SD-Turbo, sd-turbo, seed 42)*\n',
    );
  });

  it('describes how it was made, including image-to-image', () => {
    expect(howMade(meta)).toBe('SD-Turbo · 512×512 · 1 step · guidance 0 · seed 42');
    expect(howMade({ ...meta, steps: 4, strength: 0.5, init_image: 'photo.jpg' })).toContain(
      'from photo.jpg at strength 0.5',
    );
  });
});

describe('image models', () => {
  const info = (id: string, name: string, task: ModelInfo['status']['task'], installed: boolean): ModelInfo => ({
    status: {
      id,
      name,
      task,
      format: 'diffusers',
      licence: null,
      size_bytes: 1,
      ram_mb: null,
      installed,
      in_catalog: false,
      source: null,
      path: null,
    },
    entry: null,
    manifest: null,
    total_ram_mb: null,
    fits_in_ram: null,
  });

  it('lists installed image models, the default first', () => {
    const models = installedImageModels([
      info('zeta-sd', 'Zeta', 'image', true),
      info('sd-turbo', 'SD-Turbo', 'image', true),
      info('sd15', 'SD 1.5', 'image', false),
      info('smollm', 'SmolLM2', 'llm', true),
      info('alpha-sd', 'Alpha', 'image', true),
    ]);
    expect(models.map((m) => m.id)).toEqual(['sd-turbo', 'alpha-sd', 'zeta-sd']);
  });

  it('keeps a still-installed choice and falls back to the first', () => {
    const models = [
      { id: 'a', name: 'A' },
      { id: 'b', name: 'B' },
    ];
    expect(chooseImageModel('b', models)).toBe('b');
    expect(chooseImageModel('gone', models)).toBe('a');
    expect(chooseImageModel(null, [])).toBeNull();
  });
});
