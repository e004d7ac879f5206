import { describe, expect, it } from 'vitest';
import { deviceOptions, deviceStatusLine, parseThreads } from './device';

describe('deviceOptions', () => {
  it('offers only the GPU backends this build has, and keeps an unusual current setting', () => {
    expect(deviceOptions([], 'auto').map((o) => o.value)).toEqual(['auto', 'cpu']);
    expect(deviceOptions(['cuda'], 'cpu').map((o) => o.value)).toEqual(['auto', 'cpu', 'cuda:0']);
    expect(deviceOptions(['metal'], 'metal').map((o) => o.value)).toEqual(['auto', 'cpu', 'metal']);
    expect(deviceOptions([], 'cuda:1').map((o) => o.value)).toEqual(['auto', 'cpu', 'cuda:1']);
  });
});

describe('deviceStatusLine', () => {
  it('says where models run and why when it is not where the setting asks', () => {
    const report = { name: 'cpu', threads: 2, fallback: null, compiled: [] };
    expect(deviceStatusLine(report)).toBe('Models run on the CPU with 2 threads.');
    const fallback = 'CUDA was requested but this build has no CUDA support; using the CPU.';
    expect(deviceStatusLine({ ...report, threads: 1, fallback })).toBe(
      `Models run on the CPU with 1 thread. ${fallback}`,
    );
    expect(deviceStatusLine({ ...report, name: 'cuda:0' })).toBe(
      'Models run on GPU cuda:0; work that stays on the CPU uses 2 threads.',
    );
  });
});

describe('parseThreads', () => {
  it('takes whole numbers from 0 to 256 and explains anything else', () => {
    expect(parseThreads(' 4 ')).toBe(4);
    expect(parseThreads('0')).toBe(0);
    expect(parseThreads('2.5')).toMatch(/whole number/);
    expect(parseThreads('-1')).toMatch(/whole number/);
    expect(parseThreads('999')).toMatch(/256/);
  });
});
