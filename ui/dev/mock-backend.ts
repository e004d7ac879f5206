// Development only: an in-memory stand-in for the Rust commands so the UI can be
// worked on in a plain browser (`npm run dev`, then open /dev/mock.html).
// Not part of the production build, which only bundles index.html.
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import type { Article, ArticleFields, ImportProgress, Revision, Settings } from '../src/lib/types';

type Args = Record<string, unknown>;
type ChannelLike = { id: number };

const state = {
  failSaves: false,
  importDelayMs: 250,
  articles: new Map<number, Article>(),
  revisions: [] as Revision[],
  settings: { theme: 'system', autosave_seconds: 3, device: 'cpu', threads: 4 } as Settings,
  nextId: 1,
  nextRev: 1,
  cancelled: new Set<string>(),
  calls: [] as { cmd: string; args: Args }[],
};
(window as unknown as { __mock: typeof state }).__mock = state;

const now = () => new Date().toISOString();
const fail = (code: string, message: string) => Promise.reject({ code, message });
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function create(fields: ArticleFields, source: string | null = null): Article {
  const a: Article = {
    ...fields,
    id: state.nextId++,
    source_path: source,
    content_hash: String(fields.body.length),
    created_at: now(),
    updated_at: now(),
  };
  state.articles.set(a.id, a);
  return a;
}

function blank(title: string, body: string): ArticleFields {
  return { title, body, dek: null, byline: null, outlet: null, section: null, tags: [], url: null, language: null, published: null };
}

if (!new URLSearchParams(location.search).has('empty')) seed();

function seed() {
  create({ ...blank('City council approves budget', 'The council voted 7-2 on Tuesday to approve the budget.\n\nMore to come.'), dek: 'A narrow vote', byline: 'A. Reporter' });
  create(blank('北京发布新的空气质量报告', '北京市环保局今天发布了最新的空气质量报告。报告显示，空气质量有所改善。'));
}

function mark(text: string, q: string): string {
  const i = text.toLowerCase().indexOf(q.toLowerCase());
  if (i < 0) return esc(text.slice(0, 120));
  const start = Math.max(0, i - 40);
  return esc(text.slice(start, i)) + '<mark>' + esc(text.slice(i, i + q.length)) + '</mark>' + esc(text.slice(i + q.length, i + q.length + 80));
}

function send(ch: ChannelLike, index: number, message: ImportProgress) {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, d: unknown) => void } }).__TAURI_INTERNALS__;
  internals.runCallback(ch.id, { index, message });
}

async function runImport(args: Args) {
  const paths = args.paths as string[];
  const jobId = args.jobId as string;
  const ch = args.onProgress as ChannelLike;
  const summary = { imported: [] as { path: string; id: number; title: string }[], duplicates: [] as { path: string; title: string; existing_id: number }[], errors: [] as { path: string; location: string | null; message: string }[], cancelled: false };
  for (let i = 0; i < paths.length; i++) {
    if (state.cancelled.has(jobId)) {
      summary.cancelled = true;
      break;
    }
    const p = paths[i];
    send(ch, i, { done: i, total: paths.length, message: p });
    await new Promise((r) => setTimeout(r, state.importDelayMs));
    if (p.includes('bad')) summary.errors.push({ path: p, location: 'line 3', message: 'invalid JSON: expected value' });
    else if (p.includes('dup')) summary.duplicates.push({ path: p, title: 'Dup', existing_id: 1 });
    else {
      const title = p.split('/').pop() ?? p;
      const a = create(blank(title, `Imported from ${p}`), p);
      summary.imported.push({ path: p, id: a.id, title });
    }
  }
  send(ch, paths.length, { done: paths.length, total: paths.length, message: 'Done' });
  return summary;
}

mockWindows('main');
mockIPC(async (cmd, raw) => {
  const args = (raw ?? {}) as Args;
  state.calls.push({ cmd, args });
  const get = (id: unknown) => state.articles.get(id as number);
  switch (cmd) {
    case 'library_list': {
      const all = [...state.articles.values()].sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id);
      const offset = (args.offset as number) ?? 0;
      return all.slice(offset, offset + ((args.limit as number) ?? 100));
    }
    case 'library_search': {
      const q = String(args.query).trim();
      return [...state.articles.values()]
        .filter((a) => (a.title + a.body).toLowerCase().includes(q.toLowerCase()))
        .map((a, i) => ({ id: a.id, title: a.title, title_html: mark(a.title, q), snippet_html: mark(a.body, q), rank: i }));
    }
    case 'article_get':
      return get(args.id) ?? fail('not_found', `article ${args.id} not found`);
    case 'article_create':
      return create(args.fields as ArticleFields);
    case 'article_save': {
      if (state.failSaves) return fail('db', 'database is locked');
      const a = get(args.id);
      if (!a) return fail('not_found', 'gone');
      const f = args.fields as ArticleFields;
      if (f.title !== a.title || f.body !== a.body) {
        state.revisions.push({ id: state.nextRev++, article_id: a.id, title: a.title, body: a.body, content_hash: '', created_at: now(), reason: 'edit' });
      }
      const next = { ...a, ...f, updated_at: now() };
      state.articles.set(a.id, next);
      return next;
    }
    case 'article_delete':
      state.articles.delete(args.id as number);
      return null;
    case 'revisions_list':
      return state.revisions.filter((r) => r.article_id === args.articleId).reverse();
    case 'revision_restore': {
      const a = get(args.articleId)!;
      const r = state.revisions.find((x) => x.id === args.revisionId)!;
      state.revisions.push({ id: state.nextRev++, article_id: a.id, title: a.title, body: a.body, content_hash: '', created_at: now(), reason: 'before_restore' });
      const next = { ...a, title: r.title, body: r.body, updated_at: now() };
      state.articles.set(a.id, next);
      return next;
    }
    case 'library_import':
      return runImport(args);
    case 'job_cancel':
      state.cancelled.add(args.jobId as string);
      return null;
    case 'article_export':
      return null;
    case 'markdown_preview':
      return String(args.markdown)
        .split(/\n{2,}/)
        .map((p) => (p.startsWith('# ') ? `<h1>${esc(p.slice(2))}</h1>` : `<p>${esc(p)}</p>`))
        .join('\n');
    case 'settings_get':
      return state.settings;
    case 'settings_save':
      state.settings = args.settings as Settings;
      return null;
    default:
      return fail('unknown_command', `mock has no command ${cmd}`);
  }
});

await import('../src/main');
