// The drafting assistant's types (mirroring byline-draft) and the pure logic of its panel.

import { messages, tr } from './i18n.svelte';
import type {
  AssistantEvent,
  GenerateParams as GenerateParamsAll,
  Generation,
  StopReason,
  TaskTemplate,
} from './bindings';
export type {
  AssistantRequest,
  AssistantResult,
  Citation,
  Generation,
  GenerationRecord,
  InstalledLlm,
  SourceRef,
  StopReason,
  TaskRun,
  TaskTemplate,
  Source as AssistantSource,
  AssistantEvent,
} from './bindings';

/** Sampling settings; what is left out takes the engine's default. */
export type GenerateParams = Partial<GenerateParamsAll>;

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'cite'; text: string; numbers: number[]; valid: boolean; invalid: number[] };

const MAX_SOURCE = 999;
// [1], [1, 3], [2-4], and the full-width brackets Chinese output uses: 【1】 ［1］.
const MARKER = /[[【［]([0-9][0-9\s,，、;–-]*)[\]】］]/g;

function parseNumbers(body: string): number[] | null {
  const out: number[] = [];
  for (const raw of body.split(/[,，、;]/)) {
    const part = raw.trim();
    const range = part.match(/^(\d+)\s*[-–]\s*(\d+)$/);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (b < a || b - a > 20 || b > MAX_SOURCE) return null;
      for (let n = a; n <= b; n++) out.push(n);
    } else if (/^\d+$/.test(part) && Number(part) <= MAX_SOURCE) {
      out.push(Number(part));
    } else {
      return null;
    }
  }
  return out.length ? out : null;
}

/**
 * Splits generated text into plain runs and citation markers, checking each number against the
 * sources given (1..sourceCount). Runs while text streams in, so markers link as soon as they close;
 * the engine's own check (byline-draft citations.rs) decides the stored result with the same rules.
 */
export function segmentCitations(text: string, sourceCount: number): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKER)) {
    const numbers = parseNumbers(m[1]);
    if (!numbers) continue;
    const start = m.index ?? 0;
    if (start > last) out.push({ kind: 'text', text: text.slice(last, start) });
    const invalid = numbers.filter((n) => n < 1 || n > sourceCount);
    out.push({ kind: 'cite', text: m[0], numbers, valid: invalid.length === 0, invalid });
    last = start + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

/** Distinct source numbers cited but never given, for the warning line. */
export function invalidNumbers(segments: Segment[]): number[] {
  const bad = new Set<number>();
  for (const s of segments) if (s.kind === 'cite') s.invalid.forEach((n) => bad.add(n));
  return [...bad].sort((a, b) => a - b);
}

/** Tasks in the reporter's language, falling back to English for any key that has no translation. */
export function tasksFor(tasks: TaskTemplate[], language: string): TaskTemplate[] {
  const keys: string[] = [];
  for (const t of tasks) if (!keys.includes(t.key)) keys.push(t.key);
  return keys
    .map((k) => tasks.find((t) => t.key === k && t.language === language) ?? tasks.find((t) => t.key === k && t.language === 'en'))
    .filter((t): t is TaskTemplate => t !== undefined);
}

/** The panel language for an article: Chinese articles get the Chinese tasks. */
export function panelLanguage(articleLanguage: string | null | undefined): string {
  return articleLanguage?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

const M = messages(
  {
    end_of_turn: 'finished',
    stop_string: 'stopped at a stop string',
    max_tokens: 'reached the length limit',
    context_full: "filled the model's context",
    cancelled: 'stopped',
    tokens: (n: number) => `${n} tokens`,
    rate: (r: string) => `${r} tok/s`,
    firstText: (s: string) => `first text after ${s} s`,
    start: 'Getting ready…',
    loading: 'Loading the model…',
    loadingModel: (model: string) => `Loading the model (${model})…`,
    reading: 'Reading the prompt…',
    readingProgress: (percent: number, total: number) => `Reading the prompt… ${percent}% of ${total} tokens`,
  },
  {
    end_of_turn: '已完成',
    stop_string: '在停止词处结束',
    max_tokens: '已达长度上限',
    context_full: '模型上下文已满',
    cancelled: '已停止',
    tokens: (n: number) => `${n} 个词元`,
    rate: (r: string) => `${r} 词元/秒`,
    firstText: (s: string) => `首字用时 ${s} 秒`,
    start: '正在准备…',
    loading: '正在加载模型…',
    loadingModel: (model: string) => `正在加载模型（${model}）…`,
    reading: '正在读取提示词…',
    readingProgress: (percent: number, total: number) => `正在读取提示词…（共 ${total} 个词元，已完成 ${percent}%）`,
  },
);

const STOP_REASONS: readonly StopReason[] = ['end_of_turn', 'stop_string', 'max_tokens', 'context_full', 'cancelled'];

/** One status line after a run: why it ended and how fast it went. */
export function runSummary(g: Generation): string {
  const t = tr(M);
  const why = STOP_REASONS.includes(g.stop_reason) ? t[g.stop_reason] : g.stop_reason;
  const parts = [why, t.tokens(g.generated_tokens)];
  if (g.gen_tok_s > 0) parts.push(t.rate(g.gen_tok_s.toFixed(1)));
  if (g.first_token_ms != null) parts.push(t.firstText((g.first_token_ms / 1000).toFixed(1)));
  return parts.join(' · ');
}

/** Output ready to go into the draft: trimmed, without a wrapping pair of quotes some models add. */
export function insertable(text: string): string {
  const t = text.trim();
  const quoted = /^"([^"]*)"$/.exec(t) ?? /^“([^”]*)”$/.exec(t);
  return quoted ? quoted[1] : t;
}

/** What the panel says while it waits for the first token; '' once text streams. Read when shown. */
export const WAITING = {
  get start(): string {
    return tr(M).start;
  },
  get loading(): string {
    return tr(M).loading;
  },
  get reading(): string {
    return tr(M).reading;
  },
};

export function waitingStatus(current: string, event: AssistantEvent): string {
  const t = tr(M);
  switch (event.kind) {
    case 'loading':
      return event.model ? t.loadingModel(event.model) : t.loading;
    case 'reading':
      return t.reading;
    case 'progress': {
      const total = event.total ?? 0;
      return event.done < total ? t.readingProgress(Math.floor((100 * event.done) / Math.max(total, 1)), total) : t.reading;
    }
    case 'token':
      return '';
    default:
      return current;
  }
}
