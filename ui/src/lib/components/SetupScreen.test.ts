import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pick, SetupPlan } from '../bindings';
import { explainError } from '../errors';
import { setLocale } from '../i18n.svelte';
import { modelStore } from '../modelStore.svelte';
import type { ModelInfo } from '../types';
import SetupScreen from './SetupScreen.svelte';

function pick(over: Partial<Pick>): Pick {
  return {
    capability: 'drafting',
    id: 'qwen2.5-1.5b-instruct-q4_k_m',
    name: 'Qwen2.5 1.5B Instruct',
    licence: 'Apache-2.0',
    description: 'A small writing assistant.',
    description_zh: '小巧的写作助手。',
    download_mb: 1066,
    ram_mb: 2200,
    installed: false,
    selected: true,
    reasons: ['fits_memory'],
    ...over,
  };
}

function plan(over: Partial<SetupPlan> = {}): SetupPlan {
  const picks = [
    pick({}),
    pick({
      capability: 'transcription',
      id: 'whisper-base',
      name: 'Whisper base',
      licence: 'MIT',
      description: 'Speech to text.',
      description_zh: '',
      download_mb: 142,
      ram_mb: 500,
      reasons: ['cpu_speed', 'chinese'],
    }),
    pick({
      capability: 'images',
      id: 'sd-turbo',
      name: 'SD-Turbo',
      download_mb: 2500,
      ram_mb: 4000,
      selected: false,
      reasons: ['slow_without_gpu'],
    }),
    pick({
      capability: 'related',
      id: 'my-embedder',
      name: 'My embedder',
      download_mb: 0,
      installed: true,
      selected: false,
      reasons: ['installed'],
    }),
  ];
  return {
    machine: { ram_mb: 16 * 1024, disk_free_mb: 120 * 1024, gpu: null },
    picks,
    selected_mb: 1066 + 142,
    fits_disk: true,
    ...over,
  };
}

function html(p: SetupPlan | null = plan()): string {
  return render(SetupScreen, { props: { ondone: () => {}, initialPlan: p } }).body;
}

/** The markup of one pick's row. */
function row(out: string, id: string): string {
  const start = out.indexOf(`data-id="${id}"`);
  expect(start, id).toBeGreaterThan(-1);
  const end = out.indexOf('data-testid="setup-pick"', start);
  return out.slice(start, end === -1 ? undefined : end);
}

afterEach(() => {
  setLocale('en');
  modelStore.models = [];
  modelStore.downloads = {};
  modelStore.failed = {};
});

describe('SetupScreen', () => {
  it('shows the promise, the machine and one row per pick with its reasons', () => {
    const out = html();
    expect(out).toContain('data-testid="setup-screen"');
    expect(out).toContain('Set up Byline');
    expect(out).toMatch(/data-testid="setup-offline"[^>]*>Everything runs on this computer/);
    expect(out).toMatch(/data-testid="setup-machine"[\s\S]*Memory: 16 GB[\s\S]*Free disk: 120 GB[\s\S]*No GPU/);
    expect(out.match(/data-testid="setup-pick"/g)).toHaveLength(4);
    const drafting = row(out, 'qwen2.5-1.5b-instruct-q4_k_m');
    expect(drafting).toContain('data-capability="drafting"');
    expect(drafting).toContain('Drafting');
    expect(drafting).toMatch(/translate="no"[^>]*>Qwen2.5 1.5B Instruct</);
    expect(drafting).toContain('Fits this computer’s 16 GB of memory');
    expect(drafting).toContain('A small writing assistant.');
    expect(drafting).toContain('Apache-2.0');
    expect(drafting).toMatch(/<input[^>]*data-testid="setup-pick-check"[^>]*checked/);
    expect(row(out, 'whisper-base')).toContain('Quick enough without a GPU');
    expect(row(out, 'whisper-base')).toContain('Understands Chinese as well as English');
    const images = row(out, 'sd-turbo');
    expect(images).toContain('Illustrations');
    expect(images).toContain('Without a GPU a picture takes minutes');
    expect(images).not.toMatch(/<input[^>]*checked/);
    const installed = row(out, 'my-embedder');
    expect(installed).toContain('Already installed');
    expect(installed).toMatch(/<input[^>]*(checked[^>]*disabled|disabled[^>]*checked)/);
    // Every checkbox has its label.
    for (const id of out.match(/id="setup-check-[^"]+"/g) ?? []) expect(out).toContain(`for="${id.slice(4, -1)}"`);
  });

  it('adds up the ticked picks and offers the buttons', () => {
    const out = html();
    expect(out).toMatch(/data-testid="setup-total"[^>]*>To download: 1.2 GB</);
    expect(out).not.toContain('data-testid="setup-disk-warning"');
    expect(out).toMatch(/data-testid="setup-download"[^>]*>Download selected</);
    expect(out).toContain('I already have model files…');
    expect(out).toContain('data-testid="setup-import"');
    expect(out).toMatch(/data-testid="setup-skip"[^>]*>Skip for now</);
    expect(out).not.toContain('data-testid="setup-finish"');
    expect(out).not.toContain('data-testid="setup-cancel"');
  });

  it('warns when the ticked picks need more than the free disk', () => {
    const full = plan();
    full.machine = { ...full.machine, disk_free_mb: 500, gpu: 'cuda:0' };
    const out = html(full);
    expect(out).toMatch(/data-testid="setup-disk-warning"[\s\S]*more than the 500 MB free on this disk/);
    expect(out).toMatch(/GPU: (<!--[^>]*-->)?<span translate="no">cuda:0<\/span>/);
  });

  it('shows a download’s progress, a finished one and a failed one with Retry', () => {
    modelStore.downloads = {
      'qwen2.5-1.5b-instruct-q4_k_m': {
        done: 533 * 1024 * 1024,
        total: 1066 * 1024 * 1024,
        percent: 50,
        speed: null,
        message: 'model.gguf',
        jobId: 'j',
        cancelling: false,
      },
    };
    modelStore.models = [{ status: { id: 'whisper-base', installed: true } } as ModelInfo];
    modelStore.failed = {
      'sd-turbo': explainError({ code: 'network', message: 'dns error: failed to lookup address' }, 'download'),
    };
    const out = html();
    expect(row(out, 'qwen2.5-1.5b-instruct-q4_k_m')).toContain('data-testid="setup-pick-progress"');
    expect(row(out, 'qwen2.5-1.5b-instruct-q4_k_m')).toContain('50%');
    const whisper = row(out, 'whisper-base');
    expect(whisper).toMatch(/data-testid="setup-pick-done"[\s\S]*Installed/);
    expect(whisper).toContain('data-installed="true"');
    const images = row(out, 'sd-turbo');
    expect(images).toContain('data-testid="setup-pick-failed"');
    expect(images).toContain('could not reach the internet');
    expect(images).toMatch(/data-testid="setup-pick-failed-retry"[^>]*>Retry</);
    // The downloaded model no longer counts in the total.
    expect(out).toMatch(/data-testid="setup-total"[^>]*>To download: 1 GB</);
  });

  it('offers Start writing once every ticked pick is installed', () => {
    modelStore.models = ['qwen2.5-1.5b-instruct-q4_k_m', 'whisper-base'].map(
      (id) => ({ status: { id, installed: true } }) as ModelInfo,
    );
    const out = html();
    expect(out).toMatch(/data-testid="setup-finish"[^>]*>Start writing</);
    expect(out).not.toContain('data-testid="setup-download"');
    expect(out).toMatch(/data-testid="setup-total"[^>]*>Nothing to download</);
  });

  it('speaks Chinese, with the catalog’s Chinese descriptions and English only where there is none', () => {
    setLocale('zh');
    const out = html();
    expect(out).toContain('设置 Byline');
    expect(out).toContain('一切都在这台电脑上运行');
    expect(out).toContain('内存：16 GB');
    expect(out).toContain('无 GPU');
    expect(out).toContain('写作');
    expect(out).toContain('本机 16 GB 内存足以运行');
    expect(out).toContain('小巧的写作助手。');
    expect(out).not.toContain('A small writing assistant.');
    expect(out).toMatch(/translate="no"[^>]*>\s*Speech to text\./);
    expect(out).toContain('需下载：1.2 GB');
    expect(out).toContain('下载所选模型');
    expect(out).toContain('我已有模型文件…');
    expect(out).toContain('暂时跳过');
    expect(out).not.toContain('Skip for now');
  });

  it('says it is looking at the computer before the plan comes', () => {
    const out = html(null);
    expect(out).toContain('Looking at this computer…');
    expect(out).toContain('data-testid="setup-skip"');
    expect(out).toMatch(/data-testid="setup-download"[^>]*disabled/);
  });
});
