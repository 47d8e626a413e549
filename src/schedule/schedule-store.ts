import type { Db } from '../db/database.ts';

/**
 * The scheduler's bookkeeping (`schedule_runs`): which chats a job has done for a period. One row per
 * (job, period, chat); the primary key makes a second record of the same run a no-op, which is what lets
 * two processes race for a run and only one of them commit it.
 */
export interface ScheduleStore {
  /** The chats (job, period) is recorded as done for. */
  doneChats(job: string, period: string): number[];
  /** Record (job, period, chat) as done at `at`; false when it was recorded already (another process, an earlier call). */
  markDone(job: string, period: string, chatId: number, at: number): boolean;
  /** Whether (job, period, chat) is recorded as done. */
  isDone(job: string, period: string, chatId: number): boolean;
}

export function createScheduleStore(db: Db): ScheduleStore {
  const doneChats = db.prepare('SELECT chat_id FROM schedule_runs WHERE job = ? AND period = ?').pluck();
  const markDone = db.prepare('INSERT INTO schedule_runs (job, period, chat_id, done_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const isDone = db.prepare('SELECT 1 FROM schedule_runs WHERE job = ? AND period = ? AND chat_id = ?').pluck();
  return {
    doneChats: (job, period) => doneChats.all(job, period) as number[],
    markDone: (job, period, chatId, at) => markDone.run(job, period, chatId, at).changes > 0,
    isDone: (job, period, chatId) => isDone.get(job, period, chatId) !== undefined,
  };
}
