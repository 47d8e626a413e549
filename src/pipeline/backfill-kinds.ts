import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import type { Classification } from '../domain/classification.ts';

/** The meta key that marks a database as cleaned; its value holds the counts and when. */
export const KINDS_BACKFILL_KEY = 'kinds_backfill_at';
const BATCH = 500;

export interface KindsBackfillOptions {
  db: Db;
  /** The offline classifier, built only when the step has work to do: deterministic and free, never the LLM. */
  offline: () => { classifySync(text: string): Pick<Classification, 'kind' | 'urgent'> };
  logger: Pick<Logger, 'info'>;
  now?: () => number;
}

export interface KindsBackfillResult {
  /** False when the database had been cleaned before. */
  ran: boolean;
  checked: number;
  moved: number;
}

/**
 * Issue 18, once per database: migration 011 moved praise off the problem list, but the old classifier labelled
 * chit-chat ("lol", "你好") inquiry or complaint, which SQL cannot tell apart. Each such report that is alone on
 * an open problem is read again by the offline classifier; if it is chit-chat, it becomes chit-chat and its
 * problem leaves the list exactly as 011 removes praise-only problems (with its history and survey rows).
 * Problems staff merged into or sent to a unit are left alone: someone already treated them as real.
 */
export function backfillKinds(options: KindsBackfillOptions): KindsBackfillResult {
  const { db, logger } = options;
  const now = options.now ?? Date.now;
  const done = db.prepare(`SELECT 1 FROM meta WHERE key = ?`).pluck();
  if (done.get(KINDS_BACKFILL_KEY) !== undefined) return { ran: false, checked: 0, moved: 0 };

  const candidates = db.prepare(
    `SELECT r.id AS reportId, r.problem_id AS problemId, r.text AS text FROM reports r JOIN problems p ON p.id = r.problem_id
      WHERE r.id > ? AND r.kind IN ('inquiry', 'complaint') AND r.urgent = 0 AND r.text IS NOT NULL
        AND p.status NOT IN ('resolved', 'closed') AND p.merged_into IS NULL
        AND NOT EXISTS (SELECT 1 FROM reports o WHERE o.problem_id = p.id AND o.id <> r.id)
        AND NOT EXISTS (SELECT 1 FROM problems m WHERE m.merged_into = p.id)
        AND NOT EXISTS (SELECT 1 FROM unit_dispatches d WHERE d.problem_id = p.id)
        AND NOT EXISTS (SELECT 1 FROM unit_requests q WHERE q.problem_id = p.id)
      ORDER BY r.id LIMIT ${BATCH}`,
  );
  // The guard repeats the report's side of the selection, so a row changed since is left as it is.
  const toChitchat = db.prepare(
    `UPDATE reports SET kind = 'chitchat', problem_id = NULL WHERE id = ? AND problem_id = ? AND kind IN ('inquiry', 'complaint')`,
  );
  const dropFeedback = db.prepare(`DELETE FROM feedback WHERE problem_id = ?`);
  const dropEvents = db.prepare(`DELETE FROM problem_events WHERE problem_id = ?`);
  const dropProblem = db.prepare(`DELETE FROM problems WHERE id = ? AND NOT EXISTS (SELECT 1 FROM reports WHERE problem_id = ?)`);
  const mark = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);

  let checked = 0;
  const movedIds: number[] = [];
  let offline: ReturnType<KindsBackfillOptions['offline']> | undefined;
  let after = 0;
  for (;;) {
    const rows = candidates.all(after) as { reportId: number; problemId: number; text: string }[];
    checked += rows.length;
    if (rows.length > 0) offline ??= options.offline();
    // Classified before the transaction opens: nothing inside it waits.
    const chitchat = rows.filter((row) => {
      const label = offline!.classifySync(row.text);
      return label.kind === 'chitchat' && !label.urgent;
    });
    const last = rows.length < BATCH;
    db.transaction(() => {
      for (const row of chitchat) {
        if (toChitchat.run(row.reportId, row.problemId).changes === 0) continue;
        dropFeedback.run(row.problemId);
        dropEvents.run(row.problemId);
        dropProblem.run(row.problemId, row.problemId);
        movedIds.push(row.reportId);
      }
      // The record of what moved (011 keeps its counts in meta the same way): ids, never text.
      if (last) mark.run(KINDS_BACKFILL_KEY, JSON.stringify({ at: now(), checked, moved: movedIds.length, reportIds: movedIds }));
    })();
    if (last) break;
    after = rows[rows.length - 1]!.reportId;
  }
  const moved = movedIds.length;
  logger.info({ checked, moved }, `kinds backfill: ${moved} chit-chat reports moved off the problem list`);
  return { ran: true, checked, moved };
}
