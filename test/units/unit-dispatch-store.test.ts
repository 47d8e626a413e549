import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createUnitDispatchStore, type UnitDispatchStore } from '../../src/units/unit-dispatch-store.ts';

/** The counts behind each unit's weekly line (src/dispatch/unit-work.ts), read straight from the store. */

const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 2, 0);
const WEEK = { start: START, end: START + 7 * 24 * HOUR };
const SIGN_WITHIN = { normalMs: 4 * HOUR, urgentMs: HOUR };

let db: Db;
let store: UnitDispatchStore;

function problem(id: number, urgent: 0 | 1): void {
  db.prepare(`INSERT INTO problems (id, title, category, urgent, created_at, updated_at) VALUES (?, 't', 'food', ?, 0, 0)`).run(id, urgent);
}
function dispatch(problemId: number, unitId: string, at: number, outcome: { signedAfter?: number; returnedAfter?: number } = {}): void {
  store.dispatched(problemId, unitId, at, 1);
  const current = store.current(problemId, unitId)!;
  if (outcome.signedAfter !== undefined) store.sign(current.id, at + outcome.signedAfter, 7);
  if (outcome.returnedAfter !== undefined) store.markReturned(current.id, at + outcome.returnedAfter, 'not_ours');
}
function request(problemId: number, unitId: string, kind: 'extend' | 'submit', at: number, decision?: 'approved' | 'refused'): void {
  const id = store.request({ problemId, unitId, chatId: -1, kind, note: 'n', deadlineAt: null }, at);
  if (decision) store.decide(id, decision, at + HOUR, 9);
}

beforeEach(() => {
  db = openDatabase(':memory:');
  store = createUnitDispatchStore(db);
  problem(1, 0);
  problem(2, 1);
  problem(3, 0);
  problem(4, 0);
  problem(5, 0);
});

afterEach(() => db.close());

describe('a unit\'s dispatches over a span', () => {
  it('are counted with the sign-for window of each problem: urgent ones have the shorter one', () => {
    dispatch(1, 'yz', START + HOUR, { signedAfter: 2 * HOUR }); // in time for a normal problem only
    dispatch(2, 'yz', START + HOUR, { signedAfter: HOUR / 2 }); // urgent, in time
    dispatch(3, 'yz', START + 2 * HOUR, { signedAfter: 5 * HOUR }); // late
    dispatch(4, 'ez', START, { returnedAfter: HOUR });
    dispatch(5, 'yz', START - HOUR, { signedAfter: HOUR }); // before the span

    expect(store.dispatchTally(WEEK, SIGN_WITHIN).sort((a, b) => a.unitId.localeCompare(b.unitId))).toEqual([
      { unitId: 'ez', dispatched: 1, signed: 0, signedInTime: 0, returned: 1 },
      { unitId: 'yz', dispatched: 3, signed: 3, signedInTime: 2, returned: 0 },
    ]);
    expect(store.signDelays(WEEK)).toEqual([
      { unitId: 'yz', ms: HOUR / 2 },
      { unitId: 'yz', ms: 2 * HOUR },
      { unitId: 'yz', ms: 5 * HOUR },
    ]);
  });

  it('count the requests made in the span: extensions, and reviews the bureau refused', () => {
    request(1, 'yz', 'extend', START + HOUR);
    request(1, 'yz', 'submit', START + 2 * HOUR, 'refused');
    request(1, 'yz', 'submit', START + 3 * HOUR, 'approved');
    request(4, 'ez', 'submit', START + HOUR, 'refused');
    request(1, 'yz', 'extend', START - HOUR);

    expect(store.requestTally(WEEK).sort((a, b) => a.unitId.localeCompare(b.unitId))).toEqual([
      { unitId: 'ez', extensions: 0, reviewsRejected: 1 },
      { unitId: 'yz', extensions: 1, reviewsRejected: 1 },
    ]);
  });
});
