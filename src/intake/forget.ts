import type { Db } from '../db/database.ts';

/**
 * /forget: the resident's identity and words are erased; what remains (category, unit, dates, status)
 * keeps the statistics true without saying who wrote what.
 */
export interface Forgetting {
  /** Returns how many reports were anonymised, or undefined when we never knew this person. */
  forget(telegramUserId: number): number | undefined;
}

/** What a problem is called once the only words it had were erased at their author's request. */
export const ERASED_TITLE = '（内容已应反映人要求删除）';

export function createForgetting(db: Db, now: () => number = Date.now): Forgetting {
  const findResident = db.prepare('SELECT id, chat_id FROM residents WHERE telegram_user_id = ?');
  // chat_id/message_id are identity too; a negative message id keeps (chat_id, message_id) unique.
  const eraseReports = db.prepare(
    `UPDATE reports SET text = NULL, summary = NULL, media_file_id = NULL, chat_id = 0, message_id = -id
     WHERE resident_id = ?`,
  );
  const eraseComments = db.prepare('UPDATE feedback SET comment = NULL WHERE report_id IN (SELECT id FROM reports WHERE resident_id = ?)');
  const eraseResident = db.prepare('UPDATE residents SET telegram_user_id = -id, chat_id = 0, forgotten_at = ? WHERE id = ?');
  const eraseInbox = db.prepare('DELETE FROM inbox WHERE chat_id = ?');
  const eraseOutbox = db.prepare(
    `UPDATE outbox SET chat_id = 0, payload = '{}', state = CASE WHEN state = 'pending' THEN 'undeliverable' ELSE state END
     WHERE chat_id = ?`,
  );
  const eraseCalls = db.prepare('DELETE FROM llm_calls WHERE resident_id = ?');
  // A problem's title is the summary of the report that opened it: theirs may name them or their child.
  const titledByThem = db.prepare(
    `SELECT DISTINCT p.id FROM problems p JOIN reports r ON r.problem_id = p.id
     WHERE r.resident_id = ? AND r.summary IS NOT NULL AND p.title = r.summary`,
  );
  const otherSummary = db.prepare(
    `SELECT summary FROM reports WHERE problem_id = ? AND (resident_id IS NOT ? OR resident_id IS NULL) AND summary IS NOT NULL
     ORDER BY received_at DESC LIMIT 1`,
  );
  const retitle = db.prepare('UPDATE problems SET title = ? WHERE id = ?');
  const theirReports = db.prepare('SELECT id FROM reports WHERE resident_id = ?');
  // Staff alerts and notices quote texts and titles; the copies kept in the outbox go too.
  const eraseOutboxByKey = db.prepare(
    `UPDATE outbox SET payload = '{}', state = CASE WHEN state = 'pending' THEN 'undeliverable' ELSE state END
     WHERE dedupe_key >= ? AND dedupe_key < ?`,
  );
  const eraseKeysStartingWith = (prefix: string) => eraseOutboxByKey.run(prefix, `${prefix}\uffff`);

  const forget = db.transaction((telegramUserId: number): number | undefined => {
    const resident = findResident.get(telegramUserId) as { id: number; chat_id: number } | undefined;
    if (!resident) return undefined;
    eraseComments.run(resident.id);
    for (const { id } of theirReports.all(resident.id) as Array<{ id: number }>) eraseKeysStartingWith(`alert:${id}:`);
    for (const { id } of titledByThem.all(resident.id) as Array<{ id: number }>) {
      const replacement = (otherSummary.get(id, resident.id) as { summary: string } | undefined)?.summary ?? ERASED_TITLE;
      retitle.run(replacement, id);
      for (const kind of ['recurring', 'widespread', 'notfixed']) eraseKeysStartingWith(`${kind}:${id}:`);
    }
    const reports = eraseReports.run(resident.id).changes;
    eraseInbox.run(resident.chat_id);
    eraseOutbox.run(resident.chat_id);
    eraseCalls.run(resident.id);
    eraseResident.run(now(), resident.id);
    return reports;
  });

  return { forget: (telegramUserId) => forget.immediate(telegramUserId) };
}
