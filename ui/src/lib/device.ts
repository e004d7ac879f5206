/** The device setting in the Models screen: the choices this build offers and what the status line says. */
import type { DeviceReport, DeviceSetting } from './types';

export type DeviceOption = { value: DeviceSetting; label: string };

/**
 * Automatic and CPU always; a GPU backend only where this build has it; and the current setting even when it
 * is neither (a `cuda:1` written in the settings file stays selectable rather than silently replaced).
 */
export function deviceOptions(compiled: string[], current: DeviceSetting): DeviceOption[] {
  const options: DeviceOption[] = [
    { value: 'auto', label: 'Automatic (a GPU if there is one)' },
    { value: 'cpu', label: 'CPU' },
  ];
  if (compiled.includes('cuda')) options.push({ value: 'cuda:0', label: 'NVIDIA GPU (CUDA)' });
  if (compiled.includes('metal')) options.push({ value: 'metal', label: 'Apple GPU (Metal)' });
  if (!options.some((o) => o.value === current)) options.push({ value: current, label: current });
  return options;
}

/** "Models run on the CPU with 4 threads.", with the reason when the setting's device is not the one in use. */
export function deviceStatusLine(report: DeviceReport): string {
  const threads = `${report.threads} thread${report.threads === 1 ? '' : 's'}`;
  const where = report.name === 'metal' ? 'the Apple GPU' : `GPU ${report.name}`;
  const line =
    report.name === 'cpu'
      ? `Models run on the CPU with ${threads}.`
      : `Models run on ${where}; work that stays on the CPU uses ${threads}.`;
  return report.fallback ? `${line} ${report.fallback}` : line;
}

/** A thread count from the field: whole, 0 (all cores) to 256; anything else is refused with a reason. */
export function parseThreads(text: string): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return 'Threads must be a whole number (0 uses every core).';
  const n = Number(t);
  return n > 256 ? 'At most 256 threads.' : n;
}
