import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { explainError, type Explained } from '../errors';
import { setLocale } from '../i18n.svelte';
import type { Download } from '../modelStore.svelte';
import type { ModelInfo } from '../types';
import ModelRow from './ModelRow.svelte';

const noop = () => {};

function model(installed: boolean, fits: boolean | null): ModelInfo {
  return {
    status: {
      id: 'qwen-1.5b',
      name: 'Qwen 1.5B',
      task: 'llm',
      format: 'gguf',
      licence: 'Apache-2.0',
      size_bytes: 1066 * 1024 * 1024,
      ram_mb: 2200,
      installed,
      in_catalog: true,
      source: installed ? 'https://huggingface.co/Qwen/x.gguf' : null,
      path: null,
    },
    entry: {
      id: 'qwen-1.5b',
      name: 'Qwen 1.5B',
      task: 'llm',
      format: 'gguf',
      licence: 'Apache-2.0',
      languages: ['en', 'zh'],
      ram_mb: 2200,
      vram_mb: null,
      download_mb: 1066,
      description: 'Multilingual assistant.',
      description_zh: '多语言写作助手。',
      files: [],
    },
    manifest: null,
    total_ram_mb: 2048,
    fits_in_ram: fits,
  };
}

function html(m: ModelInfo, download?: Download, extra: { failed?: Explained; highlighted?: boolean } = {}): string {
  return render(ModelRow, {
    props: {
      ...extra,
      model: m,
      download,
      verifying: false,
      verified: undefined,
      removing: false,
      ondownload: noop,
      oncancel: noop,
      onverify: noop,
      oncancelverify: noop,
      onremove: noop,
    },
  }).body;
}

describe('ModelRow', () => {
  it('shows an available model with its facts, a warning and a Download button', () => {
    const out = html(model(false, false));
    expect(out).toContain('data-testid="model-row"');
    expect(out).toContain('data-id="qwen-1.5b"');
    expect(out).toContain('data-installed="false"');
    expect(out).toContain('Multilingual assistant.');
    expect(out).toContain('GGUF');
    expect(out).toContain('Apache-2.0');
    expect(out).toContain('en, zh');
    expect(out).toContain('1 GB');
    expect(out).toContain('Needs ~2.1 GB; this machine has 2 GB');
    expect(out).toMatch(/class="fit[^"]*tight/);
    expect(out).toContain('data-testid="model-download"');
    expect(out).not.toContain('data-testid="model-verify"');
  });

  it('speaks Chinese in the Chinese interface, the catalog description included', () => {
    setLocale('zh');
    try {
      const out = html(model(false, false));
      expect(out).toContain('多语言写作助手。');
      expect(out).not.toContain('Multilingual assistant.');
      expect(out).not.toContain('Needs ~2.1 GB');
      const noDescription = model(false, false);
      if (noDescription.entry) noDescription.entry.description_zh = '';
      expect(html(noDescription)).toMatch(/translate="no"[^>]*>Multilingual assistant\./);
    } finally {
      setLocale('en');
    }
  });

  it('shows an installed model with its source, Verify and Delete', () => {
    const out = html(model(true, true));
    expect(out).toContain('data-installed="true"');
    expect(out).toContain('Installed');
    expect(out).toContain('huggingface.co');
    expect(out).toContain('Fits in memory');
    expect(out).toContain('data-testid="model-verify"');
    expect(out).toContain('data-testid="model-remove"');
    expect(out).not.toContain('data-testid="model-download"');
  });

  it('replaces Download with a progress bar and Cancel while downloading', () => {
    const MB = 1024 * 1024;
    const out = html(model(false, null), {
      done: 47 * MB,
      total: 94 * MB,
      percent: 50,
      speed: 2 * MB,
      message: 'model.gguf',
      jobId: 'j',
      cancelling: false,
    });
    expect(out).toContain('data-testid="model-progress"');
    expect(out).toContain('data-testid="model-cancel"');
    expect(out).toContain('50% · 47 MB of 94 MB · 2 MB/s');
    expect(out).toContain('width: 50%');
    expect(out).not.toContain('data-testid="model-download"');
    expect(out).not.toContain('data-testid="model-fit"');
  });

  it('keeps a failed download on its row in plain words, with Details and Retry', () => {
    const failed = explainError(
      { code: 'io', message: 'https://huggingface.co/x/resolve/1/model.gguf: failed to lookup address information' },
      'download',
    );
    const out = html(model(false, null), undefined, { failed });
    expect(out).toContain('data-testid="model-download-failed"');
    expect(out).toContain('could not reach the internet');
    expect(out).toMatch(/<details[^>]*>[\s\S]*huggingface\.co[\s\S]*<\/details>/);
    expect(out.replace(/<details[^>]*>[\s\S]*<\/details>/, '')).not.toContain('huggingface.co');
    expect(out).toMatch(/data-testid="model-download"[^>]*>Retry</);
  });

  it('marks the row a panel linked to', () => {
    expect(html(model(false, null), undefined, { highlighted: true })).toContain('data-highlighted="true"');
    expect(html(model(false, null))).not.toContain('data-highlighted');
  });
});
