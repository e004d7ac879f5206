import { describe, expect, it } from 'vitest';
import { ModelStore, type ModelDeps } from './modelStore.svelte';
import { settle } from './testing/fakeTimer';
import type { InstallManifest, ModelInfo, Progress } from './types';

type Pending = { resolve: (m: InstallManifest) => void; reject: (e: unknown) => void; onProgress: (p: Progress) => void };

function info(id: string, installed = false): ModelInfo {
  return {
    status: {
      id,
      name: `Model ${id}`,
      task: 'llm',
      format: 'gguf',
      licence: 'MIT',
      size_bytes: 100,
      ram_mb: 100,
      installed,
      in_catalog: true,
      source: installed ? 'import' : null,
      path: null,
    },
    entry: null,
    manifest: null,
    total_ram_mb: 1000,
    fits_in_ram: true,
  };
}

function manifest(id: string): InstallManifest {
  return { id, name: null, task: 'llm', format: 'gguf', files: [], installed_at: '', source: 'x' };
}

function setup(overrides: Partial<ModelDeps> = {}) {
  const pulls = new Map<string, Pending>();
  const log = { lists: 0, errors: [] as [unknown, string][], infos: [] as string[], cancelled: [] as string[] };
  let now = 0;
  let nextJob = 1;
  const installed = new Set<string>();
  const store = new ModelStore({
    list: async () => {
      log.lists += 1;
      return ['a', 'b'].map((id) => info(id, installed.has(id)));
    },
    pull: (id, _jobId, onProgress) =>
      new Promise((resolve, reject) => pulls.set(id, { resolve, reject, onProgress })),
    cancel: async (jobId) => void log.cancelled.push(jobId),
    jobId: () => `job-${nextJob++}`,
    now: () => now,
    error: (err, context) => void log.errors.push([err, context]),
    info: (m) => void log.infos.push(m),
    ...overrides,
  });
  return { store, pulls, log, installed, tick: (ms: number) => (now += ms) };
}

describe('ModelStore downloads', () => {
  it('runs several downloads at once and refreshes the list after each', async () => {
    const { store, pulls, log, installed } = setup();
    await store.reload();
    expect(log.lists).toBe(1);
    const a = store.download('a');
    const b = store.download('b');
    await settle();
    expect(Object.keys(store.downloads).sort()).toEqual(['a', 'b']);
    expect(store.downloads.a.jobId).not.toBe(store.downloads.b.jobId);

    pulls.get('a')!.onProgress({ done: 50, total: 100, message: 'a.gguf' });
    expect(store.downloads.a.percent).toBe(50);
    expect(store.downloads.b.percent).toBeNull();

    installed.add('a');
    pulls.get('a')!.resolve(manifest('a'));
    await a;
    expect(store.downloads.a).toBeUndefined();
    expect(store.downloads.b).toBeDefined();
    expect(log.lists).toBe(2);
    expect(store.models.find((m) => m.status.id === 'a')?.status.installed).toBe(true);
    expect(log.infos).toEqual(['Downloaded Model a']);

    pulls.get('b')!.reject({ code: 'network', message: 'offline' });
    await b;
    expect(store.downloads.b).toBeUndefined();
    expect(log.lists).toBe(3);
    // A failed download stays on its row, in plain words, until it is retried.
    expect(log.errors).toEqual([]);
    expect(store.failed.b.code).toBe('network');
    expect(store.failed.b.details).toBe('offline');
    expect(store.failed.b.title).toBe('Download failed');
    const retry = store.download('b');
    expect(store.failed.b).toBeUndefined();
    pulls.get('b')!.resolve(manifest('b'));
    await retry;
  });

  it('does not start the same model twice', async () => {
    const { store, pulls } = setup();
    void store.download('a');
    const jobId = store.downloads.a.jobId;
    void store.download('a');
    expect(store.downloads.a.jobId).toBe(jobId);
    expect(pulls.size).toBe(1);
  });

  it('shows a cancelled download as a notice, not an error', async () => {
    const { store, pulls, log } = setup();
    const running = store.download('a');
    const jobId = store.downloads.a.jobId;
    await store.cancelDownload('a');
    expect(log.cancelled).toEqual([jobId]);
    expect(store.downloads.a.cancelling).toBe(true);
    await store.cancelDownload('a'); // a second click does nothing
    expect(log.cancelled).toHaveLength(1);
    pulls.get('a')!.reject({ code: 'cancelled', message: 'cancelled' });
    await running;
    expect(log.errors).toEqual([]);
    expect(log.infos).toEqual(['Download cancelled']);
    expect(store.downloads.a).toBeUndefined();
  });

  it('keeps the cancelling flag across progress updates', async () => {
    const { store, pulls, tick } = setup();
    void store.download('a');
    await store.cancelDownload('a');
    tick(1000);
    pulls.get('a')!.onProgress({ done: 10, total: 100, message: 'f' });
    expect(store.downloads.a).toMatchObject({ percent: 10, cancelling: true });
  });
});

describe('ModelStore verify, remove, import', () => {
  it('records verification problems without a toast and a clean result with one', async () => {
    const { store, log } = setup({
      verify: async (id) => [{ id, files_checked: 1, problems: id === 'b' ? ['b.gguf: size differs'] : [] }],
    });
    await store.reload();
    await store.verify('a');
    await store.verify('b');
    expect(store.verified.a.ok).toBe(true);
    expect(store.verified.b).toMatchObject({ ok: false, problems: ['b.gguf: size differs'] });
    expect(log.infos).toEqual(['Model a: verified: 1 file intact']);
    expect(store.verifying).toEqual({});
  });

  it('removes and refreshes; failures go to the error toasts', async () => {
    const removed: string[] = [];
    const { store, log } = setup({
      remove: async (id) => {
        if (id === 'b') throw { code: 'not_found', message: 'gone' };
        removed.push(id);
        return null;
      },
    });
    await store.remove('a');
    await store.remove('b');
    expect(removed).toEqual(['a']);
    expect(log.lists).toBe(2);
    expect(log.errors.map((e) => e[1])).toEqual(['model-remove']);
  });

  it('imports one path at a time', async () => {
    let finish: (m: InstallManifest) => void = () => {};
    const { store, log } = setup({
      importPath: () => new Promise((resolve) => (finish = resolve)),
    });
    const first = store.importFrom('/models/x.gguf');
    expect(store.importing?.path).toBe('/models/x.gguf');
    await store.importFrom('/models/y.gguf');
    expect(log.infos).toEqual(['A model import is already running.']);
    finish({ ...manifest('x'), name: 'X model' });
    await first;
    expect(store.importing).toBeNull();
    expect(log.infos).toContain('Imported X model');
    expect(log.lists).toBe(1);
  });
});
