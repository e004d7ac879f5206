import { describe, expect, it } from 'vitest';
import { ApiError, newJobId, toApiError } from './api';

describe('toApiError', () => {
  it('keeps the code and message of a Rust error object', () => {
    const e = toApiError({ code: 'not_found', message: 'article 4 not found' });
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('article 4 not found');
  });

  it('returns an ApiError unchanged', () => {
    const e = new ApiError('x', 'y');
    expect(toApiError(e)).toBe(e);
  });

  it('wraps strings, Errors and odd values', () => {
    expect(toApiError('command foo not found')).toMatchObject({ code: 'ipc', message: 'command foo not found' });
    expect(toApiError(new TypeError('boom'))).toMatchObject({ code: 'internal', message: 'boom' });
    expect(toApiError(undefined)).toMatchObject({ code: 'unknown', message: 'Unknown error' });
    expect(toApiError({ message: 'only a message' })).toMatchObject({ code: 'unknown', message: 'only a message' });
    expect(toApiError({ code: 5, detail: 'x' })).toMatchObject({ code: 'unknown', message: '{"code":5,"detail":"x"}' });
    expect(toApiError(42).message).toBe('42');
  });
});

describe('newJobId', () => {
  it('is unique', () => {
    expect(newJobId()).not.toBe(newJobId());
  });
});
