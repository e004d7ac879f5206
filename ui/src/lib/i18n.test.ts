import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';
import { i18n, live, localeTag, messages, resolveLocale, setLocale, systemLocale, tr } from './i18n.svelte';

describe('the interface language', () => {
  it('follows the first Chinese or English system language', () => {
    expect(systemLocale(['zh-CN', 'en-US'])).toBe('zh');
    expect(systemLocale(['zh-TW'])).toBe('zh');
    expect(systemLocale(['fr-FR', 'zh-Hans', 'en'])).toBe('zh');
    expect(systemLocale(['de-DE', 'en-GB', 'zh-CN'])).toBe('en');
    expect(systemLocale(['fr-FR'])).toBe('en');
    expect(systemLocale([])).toBe('en');
    expect(resolveLocale('system', ['zh-CN'])).toBe('zh');
    expect(resolveLocale('en', ['zh-CN'])).toBe('en');
    expect(resolveLocale('zh', ['en-US'])).toBe('zh');
  });

  it('switches every message at once', () => {
    const M = messages(
      { save: 'Save', saved: (n: number) => `${n} saved` },
      { save: '保存', saved: (n: number) => `已保存 ${n} 篇` },
    );
    setLocale('zh');
    expect(tr(M).save).toBe('保存');
    expect(tr(M).saved(3)).toBe('已保存 3 篇');
    expect(localeTag()).toBe('zh-CN');
    setLocale('en');
    expect(tr(M).saved(3)).toBe('3 saved');
    expect(i18n.locale).toBe('en');
  });

  it('keeps exported label tables in the current language', () => {
    const M = messages({ notFound: 'not found', n: (k: number) => `${k}` }, { notFound: '未找到', n: (k: number) => `${k}` });
    const labels = live(M, { not_found: 'notFound' });
    expect(labels.not_found).toBe('not found');
    setLocale('zh');
    expect(labels.not_found).toBe('未找到');
    expect(Object.keys(labels)).toEqual(['not_found']);
    setLocale('en');
  });
});

// Every word the interface shows comes from a `messages(…)` table, in both languages. The markup of every
// component is read for words written into it directly: text, the attributes people read (title, labels,
// placeholders), and string literals in the expressions that fill them. Script code is read for
// sentence-like strings outside a `messages(…)` call.

/** Names and codes that stay as they are in both languages. */
const KEEP = new Set(
  (
    'Byline Markdown HTML SRT VTT TXT JSON CSV WXR DOCX PDF GGUF GGML ONNX Whisper VADER SHA CPU GPU CUDA Metal ' +
    'RAM VAD Ctrl Shift Alt Esc Enter Tab Cmd Space PNG JPEG WAV MP3 FLAC OGG eSpeak NG Piper MiniLM Qwen ' +
    'English Diffusers CTranslate2 PyTorch safetensors NVIDIA Apple Python MD SmolLM DistilBERT FTS5 AI ID URL UTF KB MB GB TB Escape ArrowUp ArrowDown ArrowLeft ArrowRight Home End'
  ).split(' '),
);

// Every component and module of the interface, as text (Vite reads them; generated bindings, test helpers and
// tests are not the interface).
const SOURCES = import.meta.glob(
  ['/src/**/*.svelte', '/src/lib/**/*.ts', '!/src/**/*.test.ts', '!/src/lib/bindings/**', '!/src/lib/testing/**'],
  { query: '?raw', import: 'default', eager: true },
) as Record<string, string>;

/** The words of `text` that are neither kept names nor made only of capitals and digits. */
function english(text: string): string[] {
  return (text.match(/[A-Za-z][A-Za-z'’-]*[A-Za-z]/g) ?? []).filter((w) => !KEEP.has(w));
}

/** Sentence-like: two words with a space between them, or one capitalised word (a label). */
function sentenceLike(text: string): boolean {
  if (english(text).length === 0) return false;
  return /[A-Za-z]{2,}[,;:.!?…'’]?\s+[(“"']?[A-Za-z]{2,}/.test(text) || /^[A-Z][a-z]{2,}[.…:]?$/.test(text.trim());
}

const SHOWN = new Set(['title', 'aria-label', 'placeholder', 'alt', 'aria-description', 'aria-valuetext', 'label']);

type Node = { type: string; [key: string]: unknown };

function walk(node: unknown, visit: (n: Node, parent: Node | null) => boolean | void, parent: Node | null = null) {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((n) => walk(n, visit, parent));
    return;
  }
  const n = node as Node;
  if (typeof n.type === 'string' && visit(n, parent) === false) return;
  for (const [key, value] of Object.entries(n)) {
    if (key === 'loc' || key === 'name_loc' || key === 'metadata') continue;
    if (value && typeof value === 'object') walk(value, visit, typeof n.type === 'string' ? n : parent);
  }
}

function isMessagesCall(n: Node): boolean {
  const callee = n.callee as Node | undefined;
  return n.type === 'CallExpression' && callee?.type === 'Identifier' && callee.name === 'messages';
}

/** Calls whose strings are for developers and logs, not the reporter. */
function isDeveloperCall(n: Node): boolean {
  const callee = n.callee as Node | undefined;
  if (n.type === 'NewExpression' && callee?.type === 'Identifier' && /Error$/.test(String(callee.name))) return true;
  if (n.type !== 'CallExpression' || callee?.type !== 'MemberExpression') return false;
  const object = callee.object as Node;
  return object.type === 'Identifier' && object.name === 'console';
}

function stringsIn(expression: unknown, out: string[]) {
  walk(expression, (n) => {
    if (isMessagesCall(n) || isDeveloperCall(n)) return false;
    if (n.type === 'Literal' && typeof n.value === 'string') out.push(n.value);
    if (n.type === 'TemplateElement') out.push(String((n.value as { cooked?: string }).cooked ?? ''));
    if (n.type === 'ImportDeclaration' || n.type === 'ExportAllDeclaration') return false;
  });
}

function lineOf(source: string, at: number): number {
  return source.slice(0, at).split('\n').length;
}

function problems([path, source]: [string, string]): string[] {
  const svelte = path.endsWith('.svelte');
  const ast = parse(svelte ? source : `<script lang="ts">${source}</script>`, { modern: true });
  const offset = svelte ? 0 : '<script lang="ts">'.length;
  const found: string[] = [];
  const report = (text: string, at: number) => found.push(`${path.slice(1)}:${lineOf(source, at - offset)}: ${JSON.stringify(text.trim())}`);
  if (svelte) {
    walk(ast.fragment, (n) => {
      if (n.type === 'Text' && english(String(n.data)).length > 0) report(String(n.data), n.start as number);
      if (n.type === 'ExpressionTag') {
        const strings: string[] = [];
        stringsIn(n.expression, strings);
        for (const s of strings.filter(sentenceLike)) report(s, n.start as number);
        return false;
      }
      if (n.type === 'Attribute' && SHOWN.has(String(n.name)) && Array.isArray(n.value)) {
        for (const part of n.value as Node[]) {
          if (part.type === 'Text' && english(String(part.data)).length > 0) report(String(part.data), part.start as number);
          if (part.type === 'ExpressionTag') {
            const strings: string[] = [];
            stringsIn(part.expression, strings);
            for (const s of strings.filter((s) => english(s).length > 0 && /[A-Z]|\s/.test(s))) report(s, part.start as number);
          }
        }
        return false;
      }
      if (n.type === 'Attribute' || n.type === 'StyleDirective' || n.type === 'ClassDirective') return false;
      // <style> and <script> are read below.
      if (n.type === 'StyleSheet' || n.type === 'Script') return false;
    });
  }
  for (const script of [ast.instance, ast.module]) {
    if (!script) continue;
    walk(script.content, (n) => {
      if (isMessagesCall(n) || isDeveloperCall(n)) return false;
      if (n.type === 'ImportDeclaration' || n.type === 'ExportAllDeclaration' || n.type === 'ExportNamedDeclaration' && n.source) return false;
      if (n.type === 'TSTypeAliasDeclaration' || n.type === 'TSInterfaceDeclaration' || n.type === 'TSLiteralType') return false;
      const text =
        n.type === 'Literal' && typeof n.value === 'string'
          ? n.value
          : n.type === 'TemplateElement'
            ? String((n.value as { cooked?: string }).cooked ?? '')
            : null;
      if (text !== null && sentenceLike(text)) report(text, n.start as number);
    });
  }
  return found;
}

describe('every word on screen is in both languages', () => {
  const all = Object.entries(SOURCES);

  it('finds the files it reads', () => {
    expect(all.some(([f]) => f.endsWith('App.svelte'))).toBe(true);
    expect(all.some(([f]) => f.endsWith('.ts'))).toBe(true);
    expect(all.length).toBeGreaterThan(40);
  });

  it('has no English written into the markup or the code', () => {
    const found = all.flatMap(problems);
    expect(found, `${found.length} strings outside messages(…):\n${found.join('\n')}`).toEqual([]);
  });
});
