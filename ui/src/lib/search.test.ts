import { describe, expect, it } from 'vitest';
import { DebouncedSearch } from './search';
import { FakeTimer, settle } from './testing/fakeTimer';

describe('DebouncedSearch', () => {
  it('debounces and reports only the latest answer', async () => {
    const timer = new FakeTimer();
    const calls: string[] = [];
    const results: [string, string[] | null][] = [];
    const resolvers: (() => void)[] = [];
    const s = new DebouncedSearch<string[]>({
      run: (q) => {
        calls.push(q);
        return new Promise((resolve) => resolvers.push(() => resolve([q])));
      },
      onResult: (q, r) => results.push([q, r]),
      onError: () => {},
      delayMs: 150,
      timer,
    });
    s.set('a');
    s.set('ab');
    timer.advance(150);
    expect(calls).toEqual(['ab']);
    s.set('abc');
    timer.advance(150);
    expect(calls).toEqual(['ab', 'abc']);
    resolvers[1]();
    resolvers[0](); // stale answer arrives late
    await settle();
    expect(results).toEqual([['abc', ['abc']]]);
  });

  it('clears at once on an empty query', () => {
    const timer = new FakeTimer();
    const results: unknown[] = [];
    const s = new DebouncedSearch<string[]>({
      run: async () => ['x'],
      onResult: (_q, r) => results.push(r),
      onError: () => {},
      timer,
    });
    s.set('  ');
    expect(results).toEqual([null]);
    expect(timer.pending).toBe(0);
  });
});
