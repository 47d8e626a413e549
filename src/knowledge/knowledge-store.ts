import type { Db } from '../db/database.ts';

export type QuestionStatus = 'offered' | 'answered' | 'declined' | 'unmatched' | 'suggested';

export interface KnowledgeQuestion {
  reportId: number;
  status: QuestionStatus;
  entryId: string | null;
  entryTitle: string | null;
  answeredBy: 'offline' | 'llm' | null;
  askedAt: number;
  decidedAt: number | null;
  /** The entries suggested to choose from, in the order of their buttons ([] when none were). */
  suggested: string[];
}

/** Unanswered questions of one topic (the report's category), for /questions and the digest. */
export interface QuestionGap {
  category: string;
  count: number;
  /** The newest few report ids, for staff to open with /problem or read. */
  reportIds: number[];
}

/** The knowledge_questions table (migrations 010, 021): what was asked, what was offered, what the resident said. */
export interface KnowledgeStore {
  get(reportId: number): KnowledgeQuestion | undefined;
  offered(reportId: number, entry: { id: string; title: string }, cited: readonly string[], by: 'offline' | 'llm', at: number): void;
  unmatched(reportId: number, at: number): void;
  /** Held with entries for the resident to choose from (ids in button order); false when the question was already recorded. */
  suggested(reportId: number, entryIds: readonly string[], at: number): boolean;
  /** suggested → offered with the picked entry (offline); false when it was not 'suggested' (stale, repeated, timed out). */
  pick(reportId: number, entry: { id: string; title: string }): boolean;
  /** suggested → declined ("none of these") or unmatched (no press in time); false when it was not 'suggested'. */
  dismiss(reportId: number, status: 'declined' | 'unmatched', at: number): boolean;
  /** Questions held with suggestions since `before` or earlier, oldest first. */
  heldSince(before: number, limit: number): number[];
  /** offered → answered|declined; false when the row was not 'offered' (a repeated or stale press). */
  decide(reportId: number, status: 'answered' | 'declined', at: number): boolean;
  /** Questions asked in [from, to) by outcome. */
  counts(from: number, to: number): Record<QuestionStatus, number>;
  /** Declined and unmatched questions asked in [from, to), by category, largest first. */
  gaps(from: number, to: number, limit: number): QuestionGap[];
}

export function createKnowledgeStore(db: Db): KnowledgeStore {
  const one = db.prepare('SELECT * FROM knowledge_questions WHERE report_id = ?');
  const offer = db.prepare(
    `INSERT INTO knowledge_questions (report_id, status, entry_id, entry_title, cited, answered_by, asked_at)
     VALUES (?, 'offered', ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING`,
  );
  const unmatched = db.prepare(
    `INSERT INTO knowledge_questions (report_id, status, asked_at) VALUES (?, 'unmatched', ?) ON CONFLICT (report_id) DO NOTHING`,
  );
  const decide = db.prepare(`UPDATE knowledge_questions SET status = ?, decided_at = ? WHERE report_id = ? AND status = 'offered'`);
  const suggest = db.prepare(
    `INSERT INTO knowledge_questions (report_id, status, suggested, asked_at) VALUES (?, 'suggested', ?, ?) ON CONFLICT (report_id) DO NOTHING`,
  );
  const pick = db.prepare(
    `UPDATE knowledge_questions SET status = 'offered', entry_id = ?, entry_title = ?, cited = ?, answered_by = 'offline'
     WHERE report_id = ? AND status = 'suggested'`,
  );
  const dismiss = db.prepare(`UPDATE knowledge_questions SET status = ?, decided_at = ? WHERE report_id = ? AND status = 'suggested'`);
  const held = db.prepare(
    `SELECT report_id FROM knowledge_questions INDEXED BY knowledge_questions_suggested
     WHERE status = 'suggested' AND asked_at <= ? ORDER BY asked_at, report_id LIMIT ?`,
  );
  const counts = db.prepare('SELECT status, COUNT(*) AS n FROM knowledge_questions WHERE asked_at >= ? AND asked_at < ? GROUP BY status');
  const gaps = db.prepare(
    `SELECT COALESCE(r.category, 'other') AS category, COUNT(*) AS n, GROUP_CONCAT(q.report_id) AS ids
     FROM knowledge_questions q JOIN reports r ON r.id = q.report_id
     WHERE q.asked_at >= ? AND q.asked_at < ? AND q.status IN ('declined', 'unmatched')
     GROUP BY COALESCE(r.category, 'other') ORDER BY n DESC, category LIMIT ?`,
  );

  return {
    get(reportId) {
      const row = one.get(reportId) as
        | {
            report_id: number;
            status: QuestionStatus;
            entry_id: string | null;
            entry_title: string | null;
            answered_by: 'offline' | 'llm' | null;
            asked_at: number;
            decided_at: number | null;
            suggested: string | null;
          }
        | undefined;
      return row
        ? {
            reportId: row.report_id,
            status: row.status,
            entryId: row.entry_id,
            entryTitle: row.entry_title,
            answeredBy: row.answered_by,
            askedAt: row.asked_at,
            decidedAt: row.decided_at,
            suggested: row.suggested === null ? [] : (JSON.parse(row.suggested) as string[]),
          }
        : undefined;
    },
    offered(reportId, entry, cited, by, at) {
      offer.run(reportId, entry.id, entry.title, JSON.stringify(cited), by, at);
    },
    unmatched(reportId, at) {
      unmatched.run(reportId, at);
    },
    decide: (reportId, status, at) => decide.run(status, at, reportId).changes === 1,
    suggested: (reportId, entryIds, at) => suggest.run(reportId, JSON.stringify(entryIds), at).changes === 1,
    pick: (reportId, entry) => pick.run(entry.id, entry.title, JSON.stringify([entry.id]), reportId).changes === 1,
    dismiss: (reportId, status, at) => dismiss.run(status, at, reportId).changes === 1,
    heldSince: (before, limit) => (held.all(before, limit) as Array<{ report_id: number }>).map((r) => r.report_id),
    counts(from, to) {
      const result: Record<QuestionStatus, number> = { offered: 0, answered: 0, declined: 0, unmatched: 0, suggested: 0 };
      for (const row of counts.all(from, to) as Array<{ status: QuestionStatus; n: number }>) result[row.status] = row.n;
      return result;
    },
    gaps(from, to, limit) {
      return (gaps.all(from, to, limit) as Array<{ category: string; n: number; ids: string }>).map((row) => ({
        category: row.category,
        count: row.n,
        reportIds: row.ids
          .split(',')
          .map(Number)
          .sort((a, b) => b - a)
          .slice(0, 5),
      }));
    },
  };
}
