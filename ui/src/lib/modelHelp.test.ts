import { describe, expect, it } from 'vitest';
import { MODEL_NEEDS, installedFor, modelMissing, transcriptionModel, type Feature } from './modelHelp';
import type { ModelInfo, Task } from './types';

function model(id: string, task: Task, installed: boolean): ModelInfo {
  return {
    status: {
      id,
      name: id,
      task,
      format: 'gguf',
      licence: 'MIT',
      size_bytes: 1,
      ram_mb: 1,
      installed,
      in_catalog: true,
      source: null,
      path: null,
    },
    entry: null,
    manifest: null,
    total_ram_mb: null,
    fits_in_ram: null,
  };
}

const catalog = [
  model('all-minilm-l6-v2', 'embed', false),
  model('paraphrase-multilingual-minilm-l12-v2', 'embed', false),
  model('whisper-tiny.en', 'whisper', false),
  model('whisper-base', 'whisper', false),
  model('distilbert-sst2', 'sentiment', false),
  model('qwen2.5-1.5b-instruct-q4_k_m', 'llm', false),
  model('sd-turbo', 'image', false),
];

describe('model needs', () => {
  it('recommends a catalog model of the right task for every feature', () => {
    for (const feature of Object.keys(MODEL_NEEDS) as Feature[]) {
      const need = MODEL_NEEDS[feature];
      const row = catalog.find((m) => m.status.id === need.recommended);
      expect(row?.status.task).toBe(need.task);
      expect(modelMissing(catalog, feature)).toBe(true);
    }
    expect(MODEL_NEEDS.related.recommended).toBe('all-minilm-l6-v2');
    expect(MODEL_NEEDS.transcripts.recommended).toBe('whisper-base');
  });

  it('sees an installed model, the recommended one first', () => {
    const some = [model('whisper-tiny.en', 'whisper', true), model('whisper-base', 'whisper', true)];
    expect(installedFor(some, 'transcripts')).toEqual(['whisper-base', 'whisper-tiny.en']);
    expect(modelMissing(some, 'transcripts')).toBe(false);
  });

  it('needs the exact default embedding model for related articles', () => {
    expect(modelMissing([model('paraphrase-multilingual-minilm-l12-v2', 'embed', true)], 'related')).toBe(true);
    expect(modelMissing([model('all-minilm-l6-v2', 'embed', true)], 'related')).toBe(false);
  });

  it('transcribes with the typed model, else an installed one', () => {
    const some = [model('whisper-tiny.en', 'whisper', true)];
    expect(transcriptionModel(' my-model ', some)).toBe('my-model');
    expect(transcriptionModel('', some)).toBe('whisper-tiny.en');
    expect(transcriptionModel('', [])).toBeNull();
    // The shell's own default, when installed, is left to the shell.
    expect(transcriptionModel('', [...some, model('whisper-tiny.en-ct2', 'whisper', true)])).toBeNull();
  });
});
