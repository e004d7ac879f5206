import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { CODE_SENTENCES, GENERIC, MODEL_MISSING, OFFLINE, explainError, isModelMissing } from './errors';

const URL_OR_CODE = /https?:\/\/|`|\b(not_found|invalid_input|io|disk_full)\b/;

describe('explainError', () => {
  it('gives every engine code a plain sentence and keeps the message for Details', () => {
    const codes = [
      ...['io', 'database', 'not_found', 'invalid_input', 'format', 'settings', 'cancelled', 'disk_full'],
      'network',
    ];
    for (const code of codes) {
      const e = explainError(new ApiError(code, `raw ${code} message`), 'save');
      expect(e.sentence).toBe(CODE_SENTENCES[code]);
      expect(e.sentence).not.toMatch(URL_OR_CODE);
      expect(e.details).toBe(`raw ${code} message`);
      expect(e.code).toBe(code);
      expect(e.title).toBe('Could not save');
    }
  });

  it('gives an unknown code the generic sentence', () => {
    const e = explainError({ code: 'weird_new_code', message: 'boom' });
    expect(e.sentence).toBe(GENERIC);
    expect(e.title).toBeNull();
  });

  it('says that a model is missing instead of the engine wording', () => {
    const related = explainError(
      new ApiError('not_found', 'installed model all-minilm-l6-v2 was not found'),
      'related articles',
    );
    expect(related.sentence).toBe(MODEL_MISSING);
    expect(related.modelMissing).toBe(true);
    const whisper = explainError(
      new ApiError(
        'invalid_input',
        'invalid input: model whisper-tiny.en-ct2 is not installed; ' +
          'install it with `byline models pull whisper-tiny.en-ct2`',
      ),
    );
    expect(whisper.sentence).toBe(MODEL_MISSING);
    expect(whisper.sentence).not.toMatch(URL_OR_CODE);
    expect(whisper.details).toContain('byline models pull');
  });

  it('explains a network error by its code', () => {
    const message = 'cannot resolve the host of https://example.org/m.bin; are you offline?';
    const e = explainError(new ApiError('network', message), 'download');
    expect(e.sentence).toBe(OFFLINE);
    expect(e.sentence).not.toMatch(URL_OR_CODE);
    expect(e.title).toBe('Download failed');
  });

  it('explains an offline download without the address', () => {
    const e = explainError(
      new ApiError(
        'io',
        'downloading https://huggingface.co/x/resolve/abc/model.safetensors: ' +
          'error sending request: failed to lookup address information',
      ),
      'download',
    );
    expect(e.sentence).toBe(OFFLINE);
    expect(e.sentence).not.toMatch(URL_OR_CODE);
    expect(e.details).toContain('https://huggingface.co');
    expect(e.title).toBe('Download failed');
  });

  it('keeps messages the UI wrote itself', () => {
    const e = explainError(new ApiError('unsaved', 'Fix the save error (or retry) before switching articles.'));
    expect(e.sentence).toBe('Fix the save error (or retry) before switching articles.');
  });
});

describe('isModelMissing', () => {
  it('does not take other not-found errors for a missing model', () => {
    expect(isModelMissing('not_found', 'article 7 was not found')).toBe(false);
    expect(isModelMissing('invalid_input', 'the title is empty')).toBe(false);
    expect(isModelMissing('not_found', 'installed model distilbert-sst2 was not found')).toBe(true);
  });
});
