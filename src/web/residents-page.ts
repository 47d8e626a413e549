import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Config, WebConfig } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { ProblemDesk } from '../desk/problem-desk.ts';
import type { Forgetting } from '../intake/forget.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';
import { createFormTokens, loadFormKey } from './form-token.ts';
import type { RateLimiter } from './rate-limit.ts';
import { createWebIntake } from './web-intake.ts';
import { startWebServer, type WebServer } from './web-server.ts';
import { createWebTracking } from './web-tracking.ts';

/** Where web photos are kept: beside the database, in the data folder. */
export const webMediaDir = (databasePath: string): string => join(dirname(databasePath), 'web-media');

/** The residents' page wired to the running app's parts (src/app.ts; tests use the same wiring). */
export function startResidentsPage(deps: {
  web: WebConfig;
  config: Pick<Config, 'databasePath' | 'timezone'>;
  db: Db;
  desk: ProblemDesk;
  /** The same /forget as Telegram's (src/intake/forget.ts), built once by the app. */
  forgetting: Forgetting;
  tr: Translator;
  catalogue: Catalogue;
  units: UnitRegistry;
  onReport: () => void;
  logger: Logger;
  now?: () => number;
  limits?: { reports?: RateLimiter; reads?: RateLimiter };
  timeouts?: { headersMs?: number; requestMs?: number };
}): Promise<WebServer> {
  const now = deps.now ?? Date.now;
  return startWebServer({
    config: deps.web,
    timezone: deps.config.timezone,
    tr: deps.tr,
    catalogue: deps.catalogue,
    unitNames: () => deps.units.all().map((unit) => unit.name),
    intake: createWebIntake(deps.db, { mediaDir: webMediaDir(deps.config.databasePath), contactKey: deps.web.contactKey, now }),
    tracking: createWebTracking(deps.db, deps.desk, deps.forgetting),
    formTokens: createFormTokens(loadFormKey(deps.db)),
    onReport: deps.onReport,
    logger: deps.logger,
    now,
    ...(deps.limits && { limits: deps.limits }),
    ...(deps.timeouts && { timeouts: deps.timeouts }),
  });
}
