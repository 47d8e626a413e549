import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { compositeScore, createRatesQuery, type RankingSettings } from '../../src/digest/rates.ts';
import { tempDir } from '../support/harness.ts';
import { hours, insertFeedback, insertProblem, insertReport, local, openFixtureDb } from './fixture.ts';

const WEIGHTS = { response: 0.3, resolution: 0.35, satisfaction: 0.35 };
const SETTINGS: RankingSettings = { responseWindowMs: hours(24), rankingMinProblems: 3, weights: WEIGHTS };
const FROM = local('2026-11-16 00:00');
const TO = local('2026-11-23 00:00');
const AS_OF = local('2026-11-23 09:00');

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  const dir = tempDir();
  cleanup = dir.cleanup;
  db = openFixtureDb(dir.dir);
});
afterEach(() => {
  db.close();
  cleanup();
});

const ranking = (settings: RankingSettings = SETTINGS, asOf = AS_OF) => createRatesQuery(db).ranking(FROM, TO, asOf, settings, (id) => id.toUpperCase());
const unit = (id: string, settings?: RankingSettings) => ranking(settings).units.find((u) => u.unitId === id);

/** `n` problems of a unit created on Monday, first acted on after the given hours (null: never). */
function problems(unitId: string, responses: Array<number | null>, firstId: number, extra: { createdAt?: number; responsibleUnitId?: string | null } = {}): void {
  responses.forEach((after, i) => {
    const createdAt = extra.createdAt ?? local('2026-11-16 10:00') + hours(i);
    insertProblem(db, { id: firstId + i, unitId, responsibleUnitId: extra.responsibleUnitId ?? null, createdAt, firstResponseAt: after === null ? null : createdAt + hours(after), status: 'assigned' });
  });
}

describe('the composite score', () => {
  it('weights 30/35/35 when all three rates have data', () => {
    expect(compositeScore({ response: 1, resolution: 0.5, satisfaction: 0 }, WEIGHTS)).toBeCloseTo(47.5, 9);
  });

  it('leaves out a rate without data and scales the other weights up', () => {
    expect(compositeScore({ response: 1, resolution: null, satisfaction: 0.5 }, WEIGHTS)).toBeCloseTo((100 * (0.3 + 0.175)) / 0.65, 9);
    expect(compositeScore({ response: null, resolution: null, satisfaction: 0.8 }, WEIGHTS)).toBeCloseTo(80, 9);
    expect(compositeScore({ response: null, resolution: null, satisfaction: null }, WEIGHTS)).toBeNull();
  });
});

describe('the response rate', () => {
  it('counts a problem as responded when the first staff action came within the window, inclusive', () => {
    problems('yz', [0.5, 24, 24.01, null], 1);
    expect(unit('yz')!.response).toEqual({ numerator: 2, denominator: 4, value: 0.5, pending: 0 });
  });

  it('follows the configured window', () => {
    problems('yz', [0.5, 30, 50], 1);
    expect(unit('yz', { ...SETTINGS, responseWindowMs: hours(48) })!.response.value).toBeCloseTo(2 / 3, 9);
  });

  it('leaves out problems whose window is still running and nobody acted on yet, but counts an early action', () => {
    problems('yz', [null, 1], 1, { createdAt: local('2026-11-22 22:00') });
    // One acted on within the hour (known), one unanswered 11 hours later: pending.
    expect(unit('yz')!.response).toEqual({ numerator: 1, denominator: 1, value: 1, pending: 1 });
    // A day later the window is over: it counts against.
    expect(createRatesQuery(db).ranking(FROM, TO, AS_OF + hours(24), SETTINGS, (id) => id).units[0]!.response).toEqual({ numerator: 1, denominator: 2, value: 0.5, pending: 0 });
  });

  it('attributes a problem to the responsible unit, else the unit it is about; merged problems and other periods do not count', () => {
    problems('yz', [1], 1, { responsibleUnitId: 'ez' });
    problems('yz', [1], 2);
    insertProblem(db, { id: 3, unitId: 'yz', createdAt: local('2026-11-17 10:00'), mergedInto: 2, status: 'closed' });
    insertProblem(db, { id: 4, unitId: 'yz', createdAt: local('2026-11-15 23:59') });
    insertProblem(db, { id: 5, unitId: 'yz', createdAt: TO });
    expect(unit('ez')!.problems).toBe(1);
    expect(unit('yz')!.problems).toBe(1);
  });

  it('has no value (not 0%) when there is nothing to count', () => {
    const empty = ranking();
    expect(empty.units).toEqual([]);
    expect(empty.overall.response).toEqual({ numerator: 0, denominator: 0, value: null, pending: 0 });
    expect(empty.overall.resolution.value).toBeNull();
    expect(empty.overall.satisfaction).toMatchObject({ value: null, mean: null });
    expect(empty.overall.composite).toBeNull();
  });
});

describe('the resolution and satisfaction rates', () => {
  beforeEach(() => {
    insertProblem(db, { id: 1, unitId: 'yz', status: 'resolved', createdAt: local('2026-11-01 10:00') });
    insertProblem(db, { id: 2, unitId: 'yz', status: 'closed', closeReason: 'no_action_possible', createdAt: local('2026-11-01 10:00') });
    insertProblem(db, { id: 3, unitId: 'yz', status: 'closed', closeReason: 'duplicate', createdAt: local('2026-11-01 10:00') });
    for (let id = 1; id <= 9; id++) insertReport(db, { id, receivedAt: local('2026-11-02 10:00'), problemId: id <= 6 ? 1 : id === 7 ? 2 : 3 });
  });

  it('count fixed as 1 and partly as ½; an answer about a problem closed as not fixable counts 0; a duplicate keeps its answer', () => {
    const at = local('2026-11-18 10:00');
    insertFeedback(db, { reportId: 1, problemId: 1, unitId: 'yz', fixed: 'fixed', fixedAt: at });
    insertFeedback(db, { reportId: 2, problemId: 1, unitId: 'yz', fixed: 'partly', fixedAt: at });
    insertFeedback(db, { reportId: 3, problemId: 1, unitId: 'yz', fixed: 'not_fixed', fixedAt: at });
    insertFeedback(db, { reportId: 7, problemId: 2, unitId: 'yz', fixed: 'fixed', fixedAt: at });
    insertFeedback(db, { reportId: 8, problemId: 3, unitId: 'yz', fixed: 'fixed', fixedAt: at });
    // Answered last week, or not at all: not counted.
    insertFeedback(db, { reportId: 4, problemId: 1, unitId: 'yz', fixed: 'fixed', fixedAt: local('2026-11-15 10:00') });
    insertFeedback(db, { reportId: 5, problemId: 1, unitId: 'yz', askedAt: at });
    expect(unit('yz')!.resolution).toEqual({ numerator: 2.5, denominator: 5, value: 0.5 });
  });

  it('take ratings of 4 and 5 as satisfied and give the mean', () => {
    const at = local('2026-11-20 10:00');
    [5, 4, 3, 2, 1, 4].forEach((rating, i) => insertFeedback(db, { reportId: i + 1, problemId: 1, unitId: 'yz', rating, ratedAt: at }));
    insertFeedback(db, { reportId: 7, problemId: 2, unitId: 'yz', rating: 5, ratedAt: TO });
    expect(unit('yz')!.satisfaction).toEqual({ numerator: 3, denominator: 6, value: 0.5, mean: 19 / 6 });
  });
});

describe('the ranking', () => {
  it('does not rank a unit with fewer problems than the minimum, however good it looks', () => {
    problems('yz', [1], 1); // one fast fix
    problems('ez', [1, 2, 30], 10);
    const result = ranking();
    expect(result.units.map((u) => [u.unitId, u.rank, Math.round(u.composite!)])).toEqual([
      ['ez', 1, 67],
      ['yz', null, 100],
    ]);
    expect(ranking({ ...SETTINGS, rankingMinProblems: 1 }).units.map((u) => [u.unitId, u.rank])).toEqual([
      ['yz', 1],
      ['ez', 2],
    ]);
  });

  it('gives equal scores the same rank, more problems first', () => {
    problems('yz', [1, 1, 1], 1);
    problems('ez', [1, 1, 1, 1], 10);
    problems('sx', [1, 1, 30], 20);
    expect(ranking().units.map((u) => [u.unitId, u.rank])).toEqual([
      ['ez', 1],
      ['yz', 1],
      ['sx', 3],
    ]);
  });

  it('counts problems without a directory unit in the overall figures only', () => {
    problems('yz', [1, 1, 1], 1);
    insertProblem(db, { id: 9, unitWritten: '城东小学', createdAt: local('2026-11-18 10:00'), firstResponseAt: null });
    const result = ranking();
    expect(result.units.map((u) => u.unitId)).toEqual(['yz']);
    expect(result.overall.response).toMatchObject({ numerator: 3, denominator: 4 });
  });
});
