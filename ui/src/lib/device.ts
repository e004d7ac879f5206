/** The device setting in the Models screen: the choices this build offers and what the status line says. */
import { messages, tr } from './i18n.svelte';
import type { DeviceReport, DeviceSetting } from './types';
import type { Fallback } from './bindings';

const M = messages(
  {
    auto: 'Automatic (a GPU if there is one)',
    cpu: 'CPU',
    cuda: 'NVIDIA GPU (CUDA)',
    metal: 'Apple GPU (Metal)',
    onCpu: (threads: number) => `Models run on the CPU with ${threads} thread${threads === 1 ? '' : 's'}.`,
    onGpu: (gpu: string, threads: number) =>
      `Models run on ${gpu}; work that stays on the CPU uses ${threads} thread${threads === 1 ? '' : 's'}.`,
    appleGpu: 'the Apple GPU',
    gpu: (name: string) => `GPU ${name}`,
    fallback: (line: string, why: string) => `${line} ${why}`,
    noCuda: 'This build has no CUDA support, so the CPU is used.',
    cudaUnavailable: (n: number, error: string) => `CUDA device ${n} is unavailable (${error}), so the CPU is used.`,
    noMetal: 'This build has no Metal support, so the CPU is used.',
    metalUnavailable: (error: string) => `Metal is unavailable (${error}), so the CPU is used.`,
    notWhole: 'Threads must be a whole number (0 uses every core).',
    tooMany: 'At most 256 threads.',
  },
  {
    auto: '自动（有 GPU 时用 GPU）',
    cpu: 'CPU',
    cuda: 'NVIDIA GPU（CUDA）',
    metal: 'Apple GPU（Metal）',
    onCpu: (threads: number) => `模型在 CPU 上运行，使用 ${threads} 个线程。`,
    onGpu: (gpu: string, threads: number) => `模型在 ${gpu} 上运行；仍在 CPU 上进行的部分使用 ${threads} 个线程。`,
    appleGpu: 'Apple GPU',
    gpu: (name: string) => `GPU ${name}`,
    fallback: (line: string, why: string) => `${line}${why}`,
    noCuda: '此版本不支持 CUDA，已改用 CPU。',
    cudaUnavailable: (n: number, error: string) => `CUDA 设备 ${n} 不可用（${error}），已改用 CPU。`,
    noMetal: '此版本不支持 Metal，已改用 CPU。',
    metalUnavailable: (error: string) => `Metal 不可用（${error}），已改用 CPU。`,
    notWhole: '线程数须为整数（0 表示使用全部核心）。',
    tooMany: '线程数最多为 256。',
  },
);

/** Why the CPU is used instead of the GPU the setting asks for, in the interface's language. */
function fallbackText(f: Fallback): string {
  const t = tr(M);
  switch (f.code) {
    case 'no_cuda_support':
      return t.noCuda;
    case 'cuda_unavailable':
      return t.cudaUnavailable(f.ordinal, f.error);
    case 'no_metal_support':
      return t.noMetal;
    case 'metal_unavailable':
      return t.metalUnavailable(f.error);
  }
}

export type DeviceOption = { value: DeviceSetting; label: string };

/**
 * Automatic and CPU always; a GPU backend only where this build has it; and the current setting even when it
 * is neither (a `cuda:1` written in the settings file stays selectable rather than silently replaced).
 */
export function deviceOptions(compiled: string[], current: DeviceSetting): DeviceOption[] {
  const t = tr(M);
  const options: DeviceOption[] = [
    { value: 'auto', label: t.auto },
    { value: 'cpu', label: t.cpu },
  ];
  if (compiled.includes('cuda')) options.push({ value: 'cuda:0', label: t.cuda });
  if (compiled.includes('metal')) options.push({ value: 'metal', label: t.metal });
  if (!options.some((o) => o.value === current)) options.push({ value: current, label: current });
  return options;
}

/** "Models run on the CPU with 4 threads.", with the reason when the setting's device is not the one in use. */
export function deviceStatusLine(report: DeviceReport): string {
  const t = tr(M);
  const where = report.name === 'metal' ? t.appleGpu : t.gpu(report.name);
  const line = report.name === 'cpu' ? t.onCpu(report.threads) : t.onGpu(where, report.threads);
  return report.fallback ? t.fallback(line, fallbackText(report.fallback)) : line;
}

/** A thread count from the field: whole, 0 (all cores) to 256; anything else is refused with a reason. */
export function parseThreads(text: string): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return tr(M).notWhole;
  const n = Number(t);
  return n > 256 ? tr(M).tooMany : n;
}
