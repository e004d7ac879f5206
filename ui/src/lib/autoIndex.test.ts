import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { AutoIndexer } from './autoIndex';

describe('AutoIndexer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once after saves settle', async () => {
    const run = vi.fn().mockResolvedValue({});
    const a = new AutoIndexer(run, 1000);
    a.schedule();
    a.schedule();
    await vi.advanceTimersByTimeAsync(999);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('never runs two at a time and catches up afterwards', async () => {
    let finish: () => void = () => {};
    const run = vi.fn().mockImplementation(() => new Promise<void>((r) => (finish = r)));
    const a = new AutoIndexer(run, 10);
    a.schedule();
    await vi.advanceTimersByTimeAsync(10);
    expect(a.running).toBe(true);
    a.schedule();
    await vi.advanceTimersByTimeAsync(10);
    expect(run).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(20);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('stays quiet without a model and reports other failures', async () => {
    const errors: unknown[] = [];
    const missing = new AutoIndexer(() => Promise.reject(new ApiError('not_found', 'no model')), 1, (e) => errors.push(e));
    missing.schedule();
    await vi.advanceTimersByTimeAsync(5);
    expect(errors).toEqual([]);
    const broken = new AutoIndexer(() => Promise.reject(new ApiError('database', 'locked')), 1, (e) => errors.push(e));
    broken.schedule();
    await vi.advanceTimersByTimeAsync(5);
    expect(errors).toHaveLength(1);
  });

  it('does nothing once disposed', async () => {
    const run = vi.fn().mockResolvedValue({});
    const a = new AutoIndexer(run, 1);
    a.schedule();
    a.dispose();
    await vi.advanceTimersByTimeAsync(5);
    expect(run).not.toHaveBeenCalled();
  });
});
