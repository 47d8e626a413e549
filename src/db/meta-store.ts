import type { Db } from './database.ts';

/** The database's own facts (`meta`): the first run's time, the web form's key. */
export interface MetaStore {
  /** The value stored under `key`; when there is none yet, `first()` is stored and returned. Never overwritten. */
  keepFirst(key: string, first: () => string): string;
}

export function createMetaStore(db: Db): MetaStore {
  const insert = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`);
  const select = db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck();
  return {
    keepFirst(key, first) {
      const stored = select.get(key) as string | undefined;
      if (stored !== undefined) return stored;
      insert.run(key, first());
      return select.get(key) as string;
    },
  };
}
