// The interface in English and Chinese. Each component keeps its own words beside its markup, in both
// languages at once:
//
//   const M = messages({ save: 'Save', saved: (n: number) => `${n} saved` },
//                      { save: '保存', saved: (n: number) => `已保存 ${n} 篇` });
//   const t = $derived(M[i18n.locale]);      // in the template: {t.save}, {t.saved(3)}
//
// TypeScript holds the two in step: the Chinese must give every English key, with the same type. Plain
// modules call `tr(M)` when they build a string, so a string built in a template or `$derived` follows a
// switch of language at once.
import type { Language } from './bindings';

export type Locale = 'en' | 'zh';

/** The language the interface is in now. */
export const i18n = $state<{ locale: Locale }>({ locale: systemLocale() });

/** `zh` when the first Chinese or English entry of the system's languages is Chinese, else `en`. */
export function systemLocale(languages: readonly string[] = browserLanguages()): Locale {
  for (const tag of languages) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

export function resolveLocale(language: Language, languages?: readonly string[]): Locale {
  return language === 'system' ? systemLocale(languages) : language;
}

/** Switches the interface (and the page's `lang`, which screen readers and fonts follow). */
export function setLocale(locale: Locale): void {
  i18n.locale = locale;
  if (typeof document !== 'undefined') document.documentElement.lang = localeTag(locale);
}

/** The BCP 47 tag for dates, numbers and `lang`: Byline's Chinese is Simplified. */
export function localeTag(locale: Locale = i18n.locale): string {
  return locale === 'zh' ? 'zh-CN' : 'en';
}

// Values are strings, or functions of a few arguments for strings with numbers or names in them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Value = string | ((...args: any[]) => string);
export type Messages = Record<string, Value>;

/** A component's words in both languages; the Chinese must have every key of the English, of the same type. */
export function messages<T extends Messages>(en: T, zh: { [K in keyof T]: T[K] }): Record<Locale, T> {
  return { en, zh: zh as T };
}

/** The words of `m` in the current language. */
export function tr<T>(m: Record<Locale, T>): T {
  return m[i18n.locale];
}

/** The keys of `T` whose messages are plain strings. */
type StringKeys<T> = { [P in keyof T]: T[P] extends string ? P : never }[keyof T];

/** An exported table of labels (`{ saved: …, failed: … }`) whose entries are read from `m` in the current
 * language at each access; `keys` names the message of each entry. */
export function live<T extends Messages, K extends string>(
  m: Record<Locale, T>,
  keys: Record<K, StringKeys<T>>,
): Readonly<Record<K, string>> {
  const table = {} as Record<K, string>;
  for (const k of Object.keys(keys) as K[]) {
    Object.defineProperty(table, k, { enumerable: true, get: () => tr(m)[keys[k]] as string });
  }
  return table;
}

/** A number as the current language writes it (grouping, decimals). */
export function formatNumber(n: number, options?: Intl.NumberFormatOptions): string {
  return n.toLocaleString(localeTag(), options);
}

