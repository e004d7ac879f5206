// Presentation logic of the Models screen, kept free of Svelte and Tauri so it
// can be unit tested: grouping, sizes, the memory-fit hint and download progress.
import { messages, tr } from './i18n.svelte';
import type { ModelFormat, ModelInfo, Progress, Task, VerifyReport } from './types';

const M = messages(
  {
    llm: 'Writing',
    whisper: 'Transcription',
    embed: 'Related articles',
    sentiment: 'Sentiment',
    image: 'Images',
    tts: 'Read aloud',
    vad: 'Silence detection',
    speakers: 'Speakers',
    other: 'Other',
    fits: 'Fits in memory',
    mayNotFit: 'May not fit in memory',
    needs: (need: string, have: string) => `Needs ~${need} GB; this machine has ${have} GB`,
    imported: 'imported',
    pythonPackage: 'Python package',
    of: (done: string, total: string) => `${done} of ${total}`,
    starting: 'Starting…',
    verified: (files: number) => `Verified: ${files} file${files === 1 ? '' : 's'} intact`,
    problems: (problems: number, files: number) =>
      `${problems} problem${problems === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`,
    theFile: 'the file',
  },
  {
    llm: '写作',
    whisper: '转写',
    embed: '相关文章',
    sentiment: '情感',
    image: '配图',
    tts: '朗读',
    vad: '静音检测',
    speakers: '说话人',
    other: '其他',
    fits: '内存足够',
    mayNotFit: '内存可能不足',
    needs: (need: string, have: string) => `约需 ${need} GB 内存，本机只有 ${have} GB`,
    imported: '本地导入',
    pythonPackage: 'Python 包',
    of: (done: string, total: string) => `${done} / ${total}`,
    starting: '正在开始…',
    verified: (files: number) => `校验通过：${files} 个文件完好`,
    problems: (problems: number, files: number) => `${files} 个文件中发现 ${problems} 处问题`,
    theFile: '文件',
  },
);

/** The tasks in the order the Models screen groups them; `label` is in the current language. */
export const TASKS: readonly { task: Task; label: string }[] = (
  ['llm', 'whisper', 'embed', 'sentiment', 'image', 'tts', 'vad', 'speakers'] as const
).map((task) => ({
  task,
  get label() {
    return tr(M)[task];
  },
}));

export type ModelGroup = { key: Task | 'other'; label: string; models: ModelInfo[] };

export function taskLabel(task: Task | null): string {
  return TASKS.find((t) => t.task === task)?.label ?? tr(M).other;
}

/** Models by task in the order of TASKS, each group in list order; empty groups are left out. */
export function groupByTask(models: readonly ModelInfo[]): ModelGroup[] {
  const groups: ModelGroup[] = [...TASKS.map((t) => ({ key: t.task, label: t.label, models: [] as ModelInfo[] }))];
  const other: ModelGroup = { key: 'other', label: tr(M).other, models: [] };
  for (const m of models) {
    const task = m.status.task ?? m.entry?.task ?? m.manifest?.task ?? null;
    (groups.find((g) => g.key === task) ?? other).models.push(m);
  }
  return [...groups, other].filter((g) => g.models.length > 0);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
const MIB = 1024 * 1024;

/** Binary sizes with short labels: 0 B, 512 B, 1.5 KB, 94 MB, 1.2 GB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // One decimal below 10 (1.5 GB), whole numbers above (94 MB); 1023.6 MB must not read "1024 MB".
  let text = value < 10 ? value.toFixed(1) : String(Math.round(value));
  if (text === '1024' && unit < UNITS.length - 1) {
    text = '1.0';
    unit += 1;
  }
  return `${text.replace(/\.0$/, '')} ${UNITS[unit]}`;
}

/** A size given in MiB (RAM estimates, total memory). */
export function formatMb(mb: number | null | undefined): string {
  if (mb === null || mb === undefined) return '—';
  return formatBytes(mb * MIB);
}

/** MiB as a plain GB number for sentences: 0.3, 2.2, 16. */
export function gbNumber(mb: number): string {
  const gb = mb / 1024;
  if (gb >= 10) return String(Math.round(gb));
  const text = gb.toFixed(1);
  return text === '0.0' ? '0.1' : text.replace(/\.0$/, '');
}

export type FitHint = { kind: 'fits' | 'tight'; text: string };

/** "Fits in memory", a warning with both numbers, or nothing when either side is unknown. */
export function fitHint(info: ModelInfo): FitHint | null {
  const t = tr(M);
  if (info.fits_in_ram === true) return { kind: 'fits', text: t.fits };
  if (info.fits_in_ram === false) {
    const need = info.status.ram_mb ?? info.entry?.ram_mb ?? null;
    const have = info.total_ram_mb;
    if (need === null || have === null) return { kind: 'tight', text: t.mayNotFit };
    return { kind: 'tight', text: t.needs(gbNumber(need), gbNumber(have)) };
  }
  return null;
}

/** This machine's memory as the list reports it (the same value on every row). */
export function machineRamMb(models: readonly ModelInfo[]): number | null {
  for (const m of models) if (m.total_ram_mb !== null && m.total_ram_mb !== undefined) return m.total_ram_mb;
  return null;
}

const FORMAT_LABEL: Record<ModelFormat, string> = {
  gguf: 'GGUF',
  ggml: 'GGML',
  ctranslate2: 'CTranslate2',
  safetensors: 'safetensors',
  diffusers: 'Diffusers',
  pytorch: 'PyTorch',
};

export function formatLabel(format: ModelFormat | null | undefined): string {
  if (!format) return '—';
  return FORMAT_LABEL[format] ?? format;
}

/** "en, zh, fr +10": the first few language codes and how many more. */
export function languagesLabel(languages: readonly string[] | null | undefined, max = 5): string {
  if (!languages || languages.length === 0) return '—';
  if (languages.length <= max) return languages.join(', ');
  return `${languages.slice(0, max).join(', ')} +${languages.length - max}`;
}

/** Where installed files came from, shortened: URLs become their host. */
export function sourceLabel(source: string | null | undefined): string {
  if (!source) return '';
  const parts = source
    .split('; ')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (s === 'import') return tr(M).imported;
      if (/^https?:\/\//i.test(s)) {
        try {
          return new URL(s.split(' ')[0]).host;
        } catch {
          return s;
        }
      }
      if (s.startsWith('pypi ')) return tr(M).pythonPackage;
      return s;
    });
  return [...new Set(parts)].join(', ');
}

/** Whole percent 0–100, or null when the total is unknown. */
export function progressPercent(done: number, total: number | null | undefined): number | null {
  if (!total || total <= 0) return null;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

export function formatSpeed(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '';
  return `${formatBytes(bytesPerSecond)}/s`;
}

export type DownloadView = {
  done: number;
  total: number | null;
  percent: number | null;
  /** Bytes per second over the last few seconds; null until there is enough to say. */
  speed: number | null;
  message: string;
};

/** "42% · 40 MB of 94 MB · 5.2 MB/s", leaving out what is unknown. */
export function progressText(view: DownloadView): string {
  const parts: string[] = [];
  if (view.percent !== null) parts.push(`${view.percent}%`);
  if (view.total !== null && view.total > 0) parts.push(tr(M).of(formatBytes(view.done), formatBytes(view.total)));
  else if (view.done > 1) parts.push(formatBytes(view.done));
  const speed = formatSpeed(view.speed);
  if (speed) parts.push(speed);
  return parts.length > 0 ? parts.join(' · ') : tr(M).starting;
}

/** "Starting…": what a download shows before its first progress message. */
export function startingText(): string {
  return tr(M).starting;
}

type Sample = { at: number; done: number };

/**
 * Follows one download's progress messages: percent, a smoothed speed, and
 * whether an update is worth redrawing (messages can arrive for every 64 KB).
 * A download of several files starts again at 0 for each file.
 */
export class DownloadTracker {
  #samples: Sample[] = [];
  #view: DownloadView = { done: 0, total: null, percent: null, speed: null, message: '' };
  #publishedAt = -Infinity;
  readonly #windowMs: number;
  readonly #minIntervalMs: number;

  constructor(opts: { windowMs?: number; minIntervalMs?: number } = {}) {
    this.#windowMs = opts.windowMs ?? 3000;
    this.#minIntervalMs = opts.minIntervalMs ?? 150;
  }

  get view(): DownloadView {
    return this.#view;
  }

  /** Records a message; true when the caller should redraw now. */
  update(p: Progress, now: number): boolean {
    const prev = this.#view;
    const newFile = p.message !== prev.message || p.total !== prev.total || p.done < prev.done;
    if (newFile) this.#samples = [];
    this.#samples.push({ at: now, done: p.done });
    while (this.#samples.length > 2 && now - this.#samples[1].at >= this.#windowMs) this.#samples.shift();

    this.#view = {
      done: p.done,
      total: p.total,
      percent: progressPercent(p.done, p.total),
      speed: this.#speed(),
      message: p.message,
    };
    const finished = p.total !== null && p.done >= p.total;
    if (newFile || finished || now - this.#publishedAt >= this.#minIntervalMs) {
      this.#publishedAt = now;
      return true;
    }
    return false;
  }

  #speed(): number | null {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last) return null;
    const dt = last.at - first.at;
    if (dt < 500) return null;
    return ((last.done - first.done) * 1000) / dt;
  }
}

/** True for the rejection of a job stopped by job_cancel. */
export function isCancelled(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'cancelled';
}

/** `problems` are the engine's own sentences (file names in them); `text` is in the current language. */
export type VerifyOutcome = { ok: boolean; text: string; problems: string[] };

export function verifyOutcome(reports: readonly VerifyReport[]): VerifyOutcome {
  const files = reports.reduce((n, r) => n + r.files_checked, 0);
  const problems = reports.flatMap((r) => r.problems);
  const ok = problems.length === 0;
  // A getter, so a result kept on screen follows a switch of language.
  return {
    ok,
    get text() {
      return ok ? tr(M).verified(files) : tr(M).problems(problems.length, files);
    },
    problems,
  };
}

/** A progress message without raw addresses: a URL becomes the name of the file it fetches. */
export function plainProgressMessage(message: string): string {
  return message.replace(/https?:\/\/\S+/gi, (url) => {
    try {
      const name = new URL(url).pathname.split('/').filter((p) => p !== '').pop();
      return name ? decodeURIComponent(name) : tr(M).theFile;
    } catch {
      return tr(M).theFile;
    }
  });
}
