import type { Db } from '../db/database.ts';

export interface AuditEntry {
  at: number;
  userId: number;
  chatId: number;
  action: string;
  subject: string | null;
}

/** Who saw residents' texts or took an export: the command and the problem, never the content. */
export interface AccessAudit {
  record(entry: AuditEntry): void;
  latest(limit: number): AuditEntry[];
}

export function createAccessAudit(db: Db): AccessAudit {
  const insert = db.prepare('INSERT INTO access_audit (at, user_id, chat_id, action, subject) VALUES (?, ?, ?, ?, ?)');
  const latest = db.prepare('SELECT at, user_id AS userId, chat_id AS chatId, action, subject FROM access_audit ORDER BY id DESC LIMIT ?');
  return {
    record: (e) => void insert.run(e.at, e.userId, e.chatId, e.action, e.subject),
    latest: (limit) => latest.all(limit) as AuditEntry[],
  };
}
