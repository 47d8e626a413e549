import type { Context } from 'grammy';
import type { Logger } from 'pino';
import type { Language } from '../domain/classification.ts';

/** What every handler finds on ctx: a logger bound to the update, and the language to answer in. */
export interface BotFlavor {
  logger: Logger;
  /** Resolved once per update: the resident's /lang choice, else Telegram's language_code. */
  language: Language;
}

export type BotContext = Context & BotFlavor;
