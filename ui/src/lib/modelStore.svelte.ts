// State of the Models screen. It lives outside the component so downloads keep
// running (and keep their progress) while the user is back in the editor.
import { api, newJobId } from './api';
import { DownloadTracker, isCancelled, startingText, verifyOutcome, type DownloadView, type VerifyOutcome } from './models';
import { explainError, type Explained } from './errors';
import { messages, tr } from './i18n.svelte';
import { notices } from './notices.svelte';
import type { InstallManifest, ModelInfo, Progress, VerifyReport } from './types';

// The toasts of downloads, verifications, deletions and imports (the error contexts are codes, see errors.ts).
const M = messages(
  {
    downloaded: (name: string) => `Downloaded ${name}`,
    downloadCancelled: 'Download cancelled',
    verified: (name: string, outcome: string) => `${name}: ${outcome.toLowerCase()}`,
    verifyCancelled: 'Verification cancelled',
    deleted: (name: string) => `Deleted ${name}`,
    importRunning: 'A model import is already running.',
    imported: (name: string) => `Imported ${name}`,
    importCancelled: 'Import cancelled',
  },
  {
    downloaded: (name: string) => `已下载 ${name}`,
    downloadCancelled: '已取消下载',
    verified: (name: string, outcome: string) => `${name}：${outcome}`,
    verifyCancelled: '已取消校验',
    deleted: (name: string) => `已删除 ${name}`,
    importRunning: '已有一个模型正在导入。',
    imported: (name: string) => `已导入 ${name}`,
    importCancelled: '已取消导入',
  },
);

export type ModelDeps = {
  list: () => Promise<ModelInfo[]>;
  pull: (id: string, jobId: string, onProgress: (p: Progress) => void) => Promise<InstallManifest>;
  importPath: (path: string, jobId: string) => Promise<InstallManifest>;
  remove: (id: string) => Promise<unknown>;
  verify: (id: string, jobId: string) => Promise<VerifyReport[]>;
  cancel: (jobId: string) => Promise<unknown>;
  jobId: () => string;
  now: () => number;
  error: (err: unknown, context: string) => void;
  info: (message: string) => void;
};

export type Download = DownloadView & { jobId: string; cancelling: boolean };
export type ImportJob = { jobId: string; path: string; cancelling: boolean };

const defaultDeps: ModelDeps = {
  list: () => api.modelsList(),
  pull: (id, jobId, onProgress) => api.modelsPull(id, jobId, onProgress),
  importPath: (path, jobId) => api.modelsImport(path, jobId),
  remove: (id) => api.modelsRemove(id),
  verify: (id, jobId) => api.modelsVerify(id, jobId),
  cancel: (jobId) => api.jobCancel(jobId),
  jobId: newJobId,
  now: () => performance.now(),
  error: (err, context) => notices.error(err, context),
  info: (message) => notices.info(message),
};

export class ModelStore {
  models = $state<ModelInfo[]>([]);
  loading = $state(false);
  loaded = $state(false);
  /** Running downloads by model id. */
  downloads = $state<Record<string, Download>>({});
  /** Running verifications: model id → job id. */
  verifying = $state<Record<string, string>>({});
  verified = $state<Record<string, VerifyOutcome>>({});
  removing = $state<Record<string, true>>({});
  /** Downloads that failed, by model id: shown on the model's row with Retry until it is retried. */
  failed = $state<Record<string, Explained>>({});
  importing = $state<ImportJob | null>(null);
  readonly #deps: ModelDeps;
  #listSeq = 0;

  constructor(deps: Partial<ModelDeps> = {}) {
    this.#deps = { ...defaultDeps, ...deps };
  }

  #name(id: string): string {
    return this.models.find((m) => m.status.id === id)?.status.name ?? id;
  }

  async reload(): Promise<void> {
    const seq = ++this.#listSeq;
    this.loading = true;
    try {
      const list = await this.#deps.list();
      if (seq === this.#listSeq) {
        this.models = list;
        this.loaded = true;
      }
    } catch (err) {
      if (seq === this.#listSeq) this.#deps.error(err, 'models');
    } finally {
      if (seq === this.#listSeq) this.loading = false;
    }
  }

  async download(id: string): Promise<void> {
    if (this.downloads[id]) return;
    const jobId = this.#deps.jobId();
    delete this.failed[id];
    const tracker = new DownloadTracker();
    this.downloads[id] = { ...tracker.view, message: startingText(), jobId, cancelling: false };
    const name = this.#name(id);
    try {
      await this.#deps.pull(id, jobId, (p) => {
        const current = this.downloads[id];
        if (!current || current.jobId !== jobId) return;
        if (tracker.update(p, this.#deps.now())) {
          this.downloads[id] = { ...tracker.view, jobId, cancelling: current.cancelling };
        }
      });
      this.#deps.info(tr(M).downloaded(name));
    } catch (err) {
      // The failure stays on the row (with Retry) rather than in a toast that the row would contradict.
      if (isCancelled(err)) this.#deps.info(tr(M).downloadCancelled);
      else this.failed[id] = explainError(err, 'download');
    } finally {
      if (this.downloads[id]?.jobId === jobId) delete this.downloads[id];
    }
    await this.reload();
  }

  async cancelDownload(id: string): Promise<void> {
    const d = this.downloads[id];
    if (!d || d.cancelling) return;
    d.cancelling = true;
    try {
      await this.#deps.cancel(d.jobId);
    } catch (err) {
      // The job may have finished between the click and the call: nothing left to cancel.
      const current = this.downloads[id];
      if (current?.jobId === d.jobId) {
        current.cancelling = false;
        this.#deps.error(err, 'download');
      }
    }
  }

  async verify(id: string): Promise<void> {
    if (this.verifying[id]) return;
    const jobId = this.#deps.jobId();
    this.verifying[id] = jobId;
    delete this.verified[id];
    try {
      const outcome = verifyOutcome(await this.#deps.verify(id, jobId));
      this.verified[id] = outcome;
      if (outcome.ok) this.#deps.info(tr(M).verified(this.#name(id), outcome.text));
    } catch (err) {
      if (isCancelled(err)) this.#deps.info(tr(M).verifyCancelled);
      else this.#deps.error(err, 'verify');
    } finally {
      if (this.verifying[id] === jobId) delete this.verifying[id];
    }
  }

  async cancelVerify(id: string): Promise<void> {
    const jobId = this.verifying[id];
    if (!jobId) return;
    try {
      await this.#deps.cancel(jobId);
    } catch (err) {
      if (this.verifying[id] === jobId) this.#deps.error(err, 'verify');
    }
  }

  async remove(id: string): Promise<void> {
    if (this.removing[id]) return;
    const name = this.#name(id);
    this.removing[id] = true;
    try {
      await this.#deps.remove(id);
      delete this.verified[id];
      this.#deps.info(tr(M).deleted(name));
    } catch (err) {
      this.#deps.error(err, 'model-remove');
    } finally {
      delete this.removing[id];
    }
    await this.reload();
  }

  async importFrom(path: string): Promise<void> {
    if (this.importing) {
      this.#deps.info(tr(M).importRunning);
      return;
    }
    const jobId = this.#deps.jobId();
    this.importing = { jobId, path, cancelling: false };
    try {
      const manifest = await this.#deps.importPath(path, jobId);
      this.#deps.info(tr(M).imported(manifest.name ?? manifest.id));
    } catch (err) {
      if (isCancelled(err)) this.#deps.info(tr(M).importCancelled);
      else this.#deps.error(err, 'model-import');
    } finally {
      if (this.importing?.jobId === jobId) this.importing = null;
    }
    await this.reload();
  }

  async cancelImport(): Promise<void> {
    const job = this.importing;
    if (!job || job.cancelling) return;
    job.cancelling = true;
    try {
      await this.#deps.cancel(job.jobId);
    } catch (err) {
      if (this.importing?.jobId === job.jobId) {
        this.importing.cancelling = false;
        this.#deps.error(err, 'model-import');
      }
    }
  }
}

export const modelStore = new ModelStore();
