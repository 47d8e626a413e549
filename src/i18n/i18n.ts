import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Language } from '../domain/classification.ts';
import { escapeHtml, Html } from './html.ts';

const LocaleSchema = z.record(z.string(), z.string());
type Locale = Record<string, string>;

export type Param = string | number | Html;

export interface Translator {
  /** The message `key` in `language`, with {placeholders} filled; plain values are HTML-escaped. */
  t(language: Language, key: string, params?: Record<string, Param>): string;
  has(key: string): boolean;
  keys(): string[];
}

function loadLocale(language: Language): Locale {
  const raw: unknown = JSON.parse(readFileSync(new URL(`./${language}.json`, import.meta.url), 'utf8'));
  return LocaleSchema.parse(raw);
}

export function createTranslator(locales: Record<Language, Locale> = { zh: loadLocale('zh'), en: loadLocale('en') }): Translator {
  const zhKeys = Object.keys(locales.zh).sort();
  const enKeys = new Set(Object.keys(locales.en));
  const missing = zhKeys.filter((k) => !enKeys.has(k)).concat([...enKeys].filter((k) => !(k in locales.zh)));
  // Every user-facing text exists in both languages, or the bot does not start.
  if (missing.length > 0) throw new Error(`locales: keys missing in one language: ${missing.join(', ')}`);

  return {
    t(language, key, params = {}) {
      const template = locales[language][key];
      if (template === undefined) throw new Error(`locales: unknown key ${key}`);
      return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
        if (name === 'office' && !('office' in params)) return escapeHtml(locales[language].office ?? '');
        const value = params[name];
        if (value === undefined) return whole;
        return value instanceof Html ? value.value : escapeHtml(String(value));
      });
    },
    has: (key) => key in locales.zh,
    keys: () => zhKeys,
  };
}
