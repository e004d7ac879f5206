import { describe, expect, it } from 'vitest';
import { deviceOptions, deviceStatusLine, parseThreads } from './device';
import { setLocale } from './i18n.svelte';

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
    expect(deviceStatusLine({ ...report, threads: 1, fallback: { code: 'no_cuda_support' } })).toBe(
      'Models run on the CPU with 1 thread. This build has no CUDA support, so the CPU is used.',
    );
    const unavailable = { code: 'cuda_unavailable' as const, ordinal: 1, error: 'no device' };
    expect(deviceStatusLine({ ...report, fallback: unavailable })).toBe(
      'Models run on the CPU with 2 threads. CUDA device 1 is unavailable (no device), so the CPU is used.',
    );
    setLocale('zh');
    try {
      expect(deviceStatusLine({ ...report, fallback: unavailable })).toBe(
        '模型在 CPU 上运行，使用 2 个线程。CUDA 设备 1 不可用（no device），已改用 CPU。',
      );
    } finally {
      setLocale('en');
    }
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
