import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createScheduleStore } from '../../src/schedule/schedule-store.ts';
import { tempDir } from '../support/harness.ts';

const open: Db[] = [];
const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

function database(path = ':memory:'): Db {
  const db = openDatabase(path);
  open.push(db);
  return db;
}

describe('the schedule store', () => {
  it('records a (job, period, chat) run once: a second record of it is refused, whoever makes it', () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.dir, 'minyi.sqlite');
    const mine = createScheduleStore(database(path));
    const theirs = createScheduleStore(database(path));

    expect(mine.markDone('digest', '2026-W47', -100, 1)).toBe(true);
    expect(mine.markDone('digest', '2026-W47', -100, 2)).toBe(false);
    expect(theirs.markDone('digest', '2026-W47', -100, 3)).toBe(false);
    expect(theirs.isDone('digest', '2026-W47', -100)).toBe(true);
  });

  it('keeps jobs, periods and chats apart', () => {
    const runs = createScheduleStore(database());
    runs.markDone('digest', '2026-W47', -100, 1);
    runs.markDone('digest', '2026-W47', -200, 1);
    runs.markDone('digest', '2026-W48', -300, 1);
    runs.markDone('reminder', '2026-W47', -400, 1);

    expect(runs.doneChats('digest', '2026-W47').sort((a, b) => a - b)).toEqual([-200, -100]);
    expect(runs.doneChats('digest', '2026-W49')).toEqual([]);
    expect(runs.isDone('digest', '2026-W48', -100)).toBe(false);
    expect(runs.isDone('reminder', '2026-W47', -100)).toBe(false);
    expect(runs.markDone('reminder', '2026-W47', -100, 1)).toBe(true);
  });
});
