// The first-run setup screen's words and sums, kept free of Svelte and Tauri so they can be unit tested: what
// the ticked models download together, whether that fits the free disk, the reasons for each pick as
// sentences, the capability titles and the machine's facts, in the interface's language.
import type { Capability, Machine, Pick, Reason } from './bindings';
import { messages, tr, type Locale } from './i18n.svelte';
import { formatMb } from './models';

const M = messages(
  {
    drafting: 'Drafting',
    transcription: 'Transcription',
    speech_detection: 'Speech detection',
    speakers: 'Speakers',
    related: 'Related articles',
    tone: 'Tone',
    images: 'Illustrations',
    installed: 'Already installed',
    fitsMemory: (ram: string) => `Fits this computer’s ${ram} of memory`,
    fitsMemoryUnknown: 'Fits this computer’s memory',
    smallMemory: (ram: string) => `The smallest model, for this computer’s ${ram} of memory`,
    smallMemoryUnknown: 'The smallest model, for a computer with little memory',
    tooBig: 'Needs more memory than this computer has',
    gpu: 'Your GPU makes the most accurate model fast',
    gpuImages: 'Your GPU draws a picture in seconds',
    cpuSpeed: 'Quick enough without a GPU',
    chinese: 'Understands Chinese as well as English',
    chineseRelated: 'Understands Chinese as well as English, and links articles across the two',
    englishOnly: 'English only, and the quickest',
    speedsTranscription: 'Makes transcription faster and drops text invented in silences',
    speakersApart: 'Tells the speakers of an interview apart',
    builtinChinese: 'Tone in Chinese needs no model; this one scores English',
    betterEnglishTone: 'Tone works without it; it scores English more accurately',
    slowWithoutGpu: 'Without a GPU a picture takes minutes: add it later from Models',
    unknownSize: 'unknown',
    memory: (ram: string) => `Memory: ${ram}`,
    disk: (free: string) => `Free disk: ${free}`,
    gpuName: 'GPU: ',
    noGpu: 'No GPU',
  },
  {
    drafting: '写作',
    transcription: '转写',
    speech_detection: '语音检测',
    speakers: '说话人',
    related: '相关文章',
    tone: '语气',
    images: '配图',
    installed: '已安装',
    fitsMemory: (ram: string) => `本机 ${ram} 内存足以运行`,
    fitsMemoryUnknown: '本机内存足以运行',
    smallMemory: (ram: string) => `本机内存只有 ${ram}，选用最小的模型`,
    smallMemoryUnknown: '本机内存较小，选用最小的模型',
    tooBig: '所需内存超出本机容量',
    gpu: '有 GPU 加速，最准确的模型也很快',
    gpuImages: '有 GPU 加速，几秒钟就能生成一张配图',
    cpuSpeed: '没有 GPU 也足够快',
    chinese: '中英文都能理解',
    chineseRelated: '中英文都能理解，还能跨语言找到相关文章',
    englishOnly: '只支持英文，速度最快',
    speedsTranscription: '让转写更快，并去掉在静音处凭空生成的文字',
    speakersApart: '区分采访中的不同说话人',
    builtinChinese: '中文语气分析无需模型；此模型用于英文',
    betterEnglishTone: '不装也能分析语气；装上后英文语气更准确',
    slowWithoutGpu: '没有 GPU 时生成一张配图要几分钟：以后可在“模型”页面添加',
    unknownSize: '未知',
    memory: (ram: string) => `内存：${ram}`,
    disk: (free: string) => `可用磁盘空间：${free}`,
    gpuName: 'GPU：',
    noGpu: '无 GPU',
  },
);

/** The capability's title ("Drafting", "写作"), in the current language. */
export function capabilityTitle(capability: Capability): string {
  return tr(M)[capability];
}

/** A size given in MiB as people read it (94 MB, 1.9 GB), or "unknown". */
export function sizeText(mb: number | null | undefined): string {
  return mb === null || mb === undefined ? tr(M).unknownSize : formatMb(mb);
}

/** One reason for a pick as a sentence in the current language, with this machine's facts where they help. */
export function reasonText(reason: Reason, pick: Pick, machine: Machine): string {
  const t = tr(M);
  const ram = machine.ram_mb;
  switch (reason) {
    case 'installed':
      return t.installed;
    case 'fits_memory':
      return ram !== null ? t.fitsMemory(formatMb(ram)) : t.fitsMemoryUnknown;
    case 'small_memory':
      return ram !== null ? t.smallMemory(formatMb(ram)) : t.smallMemoryUnknown;
    case 'too_big':
      return t.tooBig;
    case 'gpu':
      return pick.capability === 'images' ? t.gpuImages : t.gpu;
    case 'cpu_speed':
      return t.cpuSpeed;
    case 'chinese':
      return pick.capability === 'related' ? t.chineseRelated : t.chinese;
    case 'english_only':
      return t.englishOnly;
    case 'speeds_transcription':
      return t.speedsTranscription;
    case 'speakers_apart':
      return t.speakersApart;
    case 'builtin_chinese':
      return t.builtinChinese;
    case 'better_english_tone':
      return t.betterEnglishTone;
    case 'slow_without_gpu':
      return t.slowWithoutGpu;
  }
}

/** The pick's reasons as sentences. */
export function reasonTexts(pick: Pick, machine: Machine): string[] {
  return pick.reasons.map((r) => reasonText(r, pick, machine));
}

/** The catalog's description in `locale`: the Chinese one where the catalog has it, else the English. */
export function pickDescription(pick: Pick, locale: Locale): { text: string; english: boolean } {
  if (locale === 'zh' && pick.description_zh.trim() !== '') return { text: pick.description_zh, english: false };
  return { text: pick.description, english: true };
}

/** The reporter's ticks by model id; a pick not in it keeps the plan's recommendation. */
export type Ticks = Readonly<Record<string, boolean>>;

/** Whether a pick is ticked for download: never once installed (before setup or since). */
export function isTicked(pick: Pick, ticks: Ticks, installedNow: ReadonlySet<string> = new Set()): boolean {
  if (pick.installed || installedNow.has(pick.id)) return false;
  return ticks[pick.id] ?? pick.selected;
}

/** The ticked picks still to download, in the plan's order. */
export function tickedPicks(picks: readonly Pick[], ticks: Ticks, installedNow?: ReadonlySet<string>): Pick[] {
  return picks.filter((p) => isTicked(p, ticks, installedNow));
}

/** What the ticked picks download together, in MiB. */
export function selectedMb(picks: readonly Pick[], ticks: Ticks, installedNow?: ReadonlySet<string>): number {
  return tickedPicks(picks, ticks, installedNow).reduce((sum, p) => sum + p.download_mb, 0);
}

/** Whether `mb` fits the machine's free disk; null when the free space is unknown. */
export function fitsDisk(mb: number, machine: Machine): boolean | null {
  return machine.disk_free_mb === null ? null : mb <= machine.disk_free_mb;
}

/** The machine as the setup screen lists it: memory, free disk, the GPU or "No GPU". */
export function machineFacts(machine: Machine): { memory: string; disk: string; gpuLabel: string; gpu: string | null } {
  const t = tr(M);
  return {
    memory: t.memory(sizeText(machine.ram_mb)),
    disk: t.disk(sizeText(machine.disk_free_mb)),
    // "GPU: " before the device's name (shown as it is), or "No GPU".
    gpuLabel: machine.gpu === null ? t.noGpu : t.gpuName,
    gpu: machine.gpu,
  };
}
