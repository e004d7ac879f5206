import { describe, expect, it } from 'vitest';
import { revisionReason } from './revisions';

describe('revisionReason', () => {
  it('says what a kept version is, not the internal reason', () => {
    expect(revisionReason('edit')).toBe('Earlier version');
    expect(revisionReason('restore')).toBe('Before a restore');
    expect(revisionReason('')).toBe('Earlier version');
    expect(revisionReason('auto_merge')).toBe('Auto merge');
  });
});
