import { afterEach, describe, expect, it } from 'vitest';
import type { Machine, Pick, Reason } from './bindings';
import { setLocale } from './i18n.svelte';
import {
  capabilityTitle,
  fitsDisk,
  isTicked,
  machineFacts,
  pickDescription,
  reasonText,
  reasonTexts,
  selectedMb,
  sizeText,
  tickedPicks,
} from './setup';

const laptop: Machine = { ram_mb: 16 * 1024, disk_free_mb: 120 * 1024, gpu: null };

function pick(over: Partial<Pick> = {}): Pick {
  return {
    capability: 'drafting',
    id: 'qwen2.5-1.5b-instruct-q4_k_m',
    name: 'Qwen2.5 1.5B Instruct',
    licence: 'Apache-2.0',
    description: 'A small assistant.',
    description_zh: '小巧的写作助手。',
    download_mb: 1066,
    ram_mb: 2200,
    installed: false,
    selected: true,
    reasons: ['fits_memory'],
    ...over,
  };
}

const plan: Pick[] = [
  pick(),
  pick({ capability: 'transcription', id: 'whisper-base', download_mb: 142, reasons: ['cpu_speed'] }),
  pick({ capability: 'images', id: 'sd-turbo', download_mb: 2500, selected: false, reasons: ['slow_without_gpu'] }),
  pick({ capability: 'related', id: 'mine', download_mb: 0, installed: true, selected: false, reasons: ['installed'] }),
];

const ALL: Reason[] = [
  'installed',
  'fits_memory',
  'small_memory',
  'too_big',
  'gpu',
  'cpu_speed',
  'chinese',
  'english_only',
  'speeds_transcription',
  'speakers_apart',
  'builtin_chinese',
  'better_english_tone',
  'slow_without_gpu',
];

afterEach(() => setLocale('en'));

describe('what the ticked picks download', () => {
  it('adds up the ticked picks, the plan’s or the reporter’s, never the installed ones', () => {
    expect(tickedPicks(plan, {}).map((p) => p.id)).toEqual(['qwen2.5-1.5b-instruct-q4_k_m', 'whisper-base']);
    expect(selectedMb(plan, {})).toBe(1066 + 142);
    expect(selectedMb(plan, { 'sd-turbo': true, 'whisper-base': false })).toBe(1066 + 2500);
    // An installed pick cannot be ticked, whatever the ticks say.
    expect(isTicked(plan[3], { mine: true })).toBe(false);
    // Nor one downloaded since the screen opened.
    expect(selectedMb(plan, {}, new Set(['whisper-base']))).toBe(1066);
    expect(selectedMb([], {})).toBe(0);
  });

  it('says whether that fits the free disk, and when it cannot tell', () => {
    expect(fitsDisk(1208, laptop)).toBe(true);
    expect(fitsDisk(1208, { ...laptop, disk_free_mb: 1000 })).toBe(false);
    expect(fitsDisk(1000, { ...laptop, disk_free_mb: 1000 })).toBe(true);
    expect(fitsDisk(1208, { ...laptop, disk_free_mb: null })).toBeNull();
  });

  it('writes sizes as people read them', () => {
    expect(sizeText(142)).toBe('142 MB');
    expect(sizeText(1066 + 142)).toBe('1.2 GB');
    expect(sizeText(16 * 1024)).toBe('16 GB');
    expect(sizeText(null)).toBe('unknown');
    setLocale('zh');
    expect(sizeText(null)).toBe('未知');
    expect(sizeText(2500)).toBe('2.4 GB');
  });
});

describe('the reasons in English', () => {
  it('gives every reason a sentence, with the machine’s memory where it helps', () => {
    expect(reasonText('fits_memory', pick(), laptop)).toBe('Fits this computer’s 16 GB of memory');
    expect(reasonText('fits_memory', pick(), { ...laptop, ram_mb: null })).toBe('Fits this computer’s memory');
    expect(reasonText('small_memory', pick(), { ...laptop, ram_mb: 4096 })).toContain('4 GB of memory');
    expect(reasonText('too_big', pick(), laptop)).toBe('Needs more memory than this computer has');
    expect(reasonText('cpu_speed', pick(), laptop)).toBe('Quick enough without a GPU');
    expect(reasonText('gpu', pick({ capability: 'transcription' }), laptop)).toBe(
      'Your GPU makes the most accurate model fast',
    );
    expect(reasonText('chinese', pick({ capability: 'transcription' }), laptop)).toBe(
      'Understands Chinese as well as English',
    );
    expect(reasonText('builtin_chinese', pick(), laptop)).toBe(
      'Tone in Chinese needs no model; this one scores English',
    );
    expect(reasonText('slow_without_gpu', pick(), laptop)).toBe(
      'Without a GPU a picture takes minutes: add it later from Models',
    );
    expect(reasonText('installed', pick(), laptop)).toBe('Already installed');
    for (const r of ALL) expect(reasonText(r, pick(), laptop).length, r).toBeGreaterThan(5);
    expect(reasonTexts(pick({ reasons: ['cpu_speed', 'chinese'] }), laptop)).toEqual([
      'Quick enough without a GPU',
      'Understands Chinese as well as English',
    ]);
  });

  it('titles the capabilities and lists the machine', () => {
    expect(capabilityTitle('drafting')).toBe('Drafting');
    expect(capabilityTitle('speech_detection')).toBe('Speech detection');
    expect(capabilityTitle('images')).toBe('Illustrations');
    expect(machineFacts(laptop)).toEqual({
      memory: 'Memory: 16 GB',
      disk: 'Free disk: 120 GB',
      gpuLabel: 'No GPU',
      gpu: null,
    });
    const gpu = machineFacts({ ram_mb: null, disk_free_mb: null, gpu: 'cuda:0' });
    expect(gpu).toEqual({ memory: 'Memory: unknown', disk: 'Free disk: unknown', gpuLabel: 'GPU: ', gpu: 'cuda:0' });
  });

  it('describes a pick in English', () => {
    expect(pickDescription(pick(), 'en')).toEqual({ text: 'A small assistant.', english: true });
  });
});

describe('the reasons in Chinese', () => {
  it('gives every reason a Chinese sentence without English words', () => {
    setLocale('zh');
    expect(reasonText('fits_memory', pick(), laptop)).toBe('本机 16 GB 内存足以运行');
    expect(reasonText('too_big', pick(), laptop)).toBe('所需内存超出本机容量');
    expect(reasonText('chinese', pick({ capability: 'related' }), laptop)).toContain('跨语言');
    expect(reasonText('slow_without_gpu', pick(), laptop)).toContain('“模型”');
    for (const r of ALL) {
      const text = reasonText(r, pick(), laptop);
      expect(text, r).toMatch(/[\u4e00-\u9fff]/);
      expect(text.replace(/GPU|GB/g, ''), r).not.toMatch(/[A-Za-z]{2,}/);
    }
  });

  it('titles the capabilities as the glossary says and lists the machine', () => {
    setLocale('zh');
    expect(
      (['drafting', 'transcription', 'speech_detection', 'speakers', 'related', 'tone', 'images'] as const).map(
        capabilityTitle,
      ),
    ).toEqual(['写作', '转写', '语音检测', '说话人', '相关文章', '语气', '配图']);
    expect(machineFacts(laptop)).toEqual({
      memory: '内存：16 GB',
      disk: '可用磁盘空间：120 GB',
      gpuLabel: '无 GPU',
      gpu: null,
    });
    expect(machineFacts({ ...laptop, gpu: 'metal' }).gpuLabel).toBe('GPU：');
  });

  it('describes a pick in Chinese where the catalog can, else in English', () => {
    expect(pickDescription(pick(), 'zh')).toEqual({ text: '小巧的写作助手。', english: false });
    expect(pickDescription(pick({ description_zh: ' ' }), 'zh')).toEqual({
      text: 'A small assistant.',
      english: true,
    });
  });
});
