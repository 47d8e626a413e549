import type { Db } from '../../src/db/database.ts';
import { insertFeedback, insertProblem, insertReport, local } from './fixture.ts';

/**
 * One district week, built by hand so every figure of the digest is known: ISO week 2026-W47
 * (Mon 2026-11-16 – Sun 11-22 in Shanghai), the week before (W46), and the digest built on
 * Monday 2026-11-23 09:00. Units: yz 第一中学, ez 第二中学, sx 实验小学, tyg 区体育馆.
 * The expected figures are worked out in the comments and asserted in digest.test.ts.
 */
export const BUILT_AT = local('2026-11-23 09:00');

export function buildScenario(db: Db): void {
  db.transaction(() => {
    // --- problems -----------------------------------------------------------------------------
    // yz: in time (2 h), late (30 h), and exactly 24 h (still in time): response 2/3.
    insertProblem(db, { id: 1, title: '食堂饭菜里有头发', category: 'food', unitId: 'yz', responsibleUnitId: 'yz', status: 'resolved', createdAt: local('2026-11-16 10:00'), firstResponseAt: local('2026-11-16 12:00'), deadlineAt: local('2026-11-21 10:00'), reportCount: 4, residentCount: 4 });
    insertProblem(db, { id: 2, title: '食堂菜是隔夜的', category: 'food', unitId: 'yz', responsibleUnitId: 'yz', status: 'assigned', createdAt: local('2026-11-17 09:00'), firstResponseAt: local('2026-11-18 15:00'), deadlineAt: local('2026-11-20 09:00'), reportCount: 2, residentCount: 2 });
    insertProblem(db, { id: 9, title: '课间有学生打架', category: 'campus_safety', unitId: 'yz', responsibleUnitId: null, status: 'in_progress', urgent: true, createdAt: local('2026-11-21 10:00'), firstResponseAt: local('2026-11-22 10:00'), deadlineAt: local('2026-11-22 10:00') });
    // ez: never acted on (window over: counts against), and one created Sunday 20:00 (window still running: pending).
    insertProblem(db, { id: 3, title: '校车经常迟到', category: 'transport', unitId: 'ez', responsibleUnitId: 'ez', status: 'new', urgent: true, createdAt: local('2026-11-18 08:00'), deadlineAt: local('2026-11-25 08:00'), reportCount: 2, residentCount: 2 });
    insertProblem(db, { id: 4, title: '教室灯管掉下来', category: 'facilities', unitId: 'ez', status: 'new', urgent: true, createdAt: local('2026-11-22 20:00'), deadlineAt: local('2026-11-29 20:00') });
    // No directory unit: in the overall figures only.
    insertProblem(db, { id: 5, title: '城东小学厕所漏水', category: 'facilities', unitWritten: '城东小学', status: 'resolved', createdAt: local('2026-11-19 10:00'), firstResponseAt: local('2026-11-19 11:00'), deadlineAt: local('2026-11-20 10:00') });
    // Merged into #1: not a problem of its own anywhere.
    insertProblem(db, { id: 6, title: '饭里有头发', category: 'food', unitId: 'yz', status: 'closed', closeReason: 'duplicate', mergedInto: 1, createdAt: local('2026-11-20 10:00'), reportCount: 0, residentCount: 0 });
    // sx: three problems all acted on within an hour, no survey answers yet: composite from response alone.
    for (const [id, day] of [[12, 17], [13, 18], [14, 19]] as const) {
      insertProblem(db, { id, title: `实验小学问题${id}`, category: 'study_burden', unitId: 'sx', responsibleUnitId: 'sx', status: 'assigned', createdAt: local(`2026-11-${day} 10:00`), firstResponseAt: local(`2026-11-${day} 10:30`), deadlineAt: local('2026-11-30 10:00'), reportCount: 0, residentCount: 0 });
    }
    // Last week: tyg's venue problem, widespread this week, overdue since Tuesday.
    insertProblem(db, { id: 7, title: '体育馆淋浴没有热水', category: 'sports', unitId: 'tyg', responsibleUnitId: 'tyg', status: 'in_progress', createdAt: local('2026-11-10 10:00'), firstResponseAt: local('2026-11-10 11:00'), deadlineAt: local('2026-11-17 10:00'), reportCount: 3, residentCount: 5, widespreadAt: local('2026-11-17 12:00') });
    insertProblem(db, { id: 10, title: '收取资料费没有收据', category: 'fees', unitId: 'ez', responsibleUnitId: 'ez', status: 'resolved', createdAt: local('2026-11-12 10:00'), firstResponseAt: local('2026-11-12 11:00'), deadlineAt: local('2026-11-19 10:00'), reportCount: 2, residentCount: 2, widespreadAt: local('2026-11-12 18:00') });
    // Older: came back this week (recurring); and one closed as not our responsibility.
    insertProblem(db, { id: 8, title: '午餐分量太少', category: 'food', unitId: 'sx', responsibleUnitId: 'sx', status: 'assigned', createdAt: local('2026-11-03 10:00'), firstResponseAt: local('2026-11-03 12:00'), deadlineAt: local('2026-11-26 10:00'), reportCount: 2, residentCount: 2, recurringAt: local('2026-11-19 12:00') });
    insertProblem(db, { id: 11, title: '小区门口的培训班', category: 'off_campus_training', unitId: 'ez', responsibleUnitId: 'ez', status: 'closed', closeReason: 'not_our_responsibility', createdAt: local('2026-11-04 10:00'), firstResponseAt: local('2026-11-04 11:00') });

    // --- reports --------------------------------------------------------------------------------
    // This week: 13. food 6, facilities 2, transport 2, sports 1, campus_safety 1, unclassified 1.
    insertReport(db, { id: 1, receivedAt: local('2026-11-16 10:00'), category: 'food', problemId: 1, unitId: 'yz' });
    insertReport(db, { id: 2, receivedAt: local('2026-11-16 11:00'), category: 'food', problemId: 1, unitId: 'yz' });
    insertReport(db, { id: 3, receivedAt: local('2026-11-17 09:00'), category: 'food', problemId: 2, unitId: 'yz' });
    // Urgent, problem #3 never acted on: missed (twice).
    insertReport(db, { id: 4, receivedAt: local('2026-11-18 08:00'), category: 'transport', problemId: 3, urgent: true, unitId: 'ez' });
    insertReport(db, { id: 12, receivedAt: local('2026-11-19 09:00'), category: 'transport', problemId: 3, urgent: true, unitId: 'ez' });
    // Urgent, Sunday 20:00, nobody acted yet, window runs to Monday 20:00: pending.
    insertReport(db, { id: 5, receivedAt: local('2026-11-22 20:00'), category: 'facilities', problemId: 4, urgent: true, unitId: 'ez' });
    insertReport(db, { id: 6, receivedAt: local('2026-11-19 10:00'), category: 'facilities', problemId: 5 });
    // Moved from the merged #6 into #1.
    insertReport(db, { id: 7, receivedAt: local('2026-11-20 10:00'), category: 'food', problemId: 1, unitId: 'yz' });
    // Urgent, problem #7 already being handled since last week: in time.
    insertReport(db, { id: 8, receivedAt: local('2026-11-17 08:00'), category: 'sports', problemId: 7, urgent: true, unitId: 'tyg' });
    insertReport(db, { id: 9, receivedAt: local('2026-11-19 12:00'), category: 'food', problemId: 8, unitId: 'sx' });
    // Urgent, acted on exactly 24 hours later: in time.
    insertReport(db, { id: 10, receivedAt: local('2026-11-21 10:00'), category: 'campus_safety', problemId: 9, urgent: true, unitId: 'yz' });
    // Not classified yet.
    insertReport(db, { id: 11, receivedAt: local('2026-11-18 14:00'), category: null, urgent: null });
    // Urgent, problem #2 first acted on 29 hours later: late.
    insertReport(db, { id: 13, receivedAt: local('2026-11-17 10:00'), category: 'food', problemId: 2, urgent: true, unitId: 'yz' });
    // Last week: 4. sports 2, fees 2.
    insertReport(db, { id: 20, receivedAt: local('2026-11-10 10:00'), category: 'sports', problemId: 7, unitId: 'tyg' });
    insertReport(db, { id: 21, receivedAt: local('2026-11-11 10:00'), category: 'sports', problemId: 7, unitId: 'tyg' });
    insertReport(db, { id: 22, receivedAt: local('2026-11-12 10:00'), category: 'fees', problemId: 10, unitId: 'ez' });
    insertReport(db, { id: 23, receivedAt: local('2026-11-15 23:59'), category: 'fees', problemId: 10, unitId: 'ez' });
    // Outside both weeks: Monday 00:00 after (the end is exclusive), and the week before last.
    insertReport(db, { id: 30, receivedAt: local('2026-11-23 00:00'), category: 'food', problemId: 1, unitId: 'yz' });
    insertReport(db, { id: 31, receivedAt: local('2026-11-08 10:00'), category: 'food', problemId: 8, unitId: 'sx' });
    insertReport(db, { id: 32, receivedAt: local('2026-11-04 10:00'), category: 'off_campus_training', problemId: 11, unitId: 'ez' });

    // --- survey answers -----------------------------------------------------------------------------
    // yz: fixed + partly = 1.5 of 2 (75%); ratings 5, 3, 5: 2 of 3 satisfied, mean 4.33.
    insertFeedback(db, { reportId: 1, problemId: 1, unitId: 'yz', fixed: 'fixed', fixedAt: local('2026-11-20 08:00'), rating: 5, ratedAt: local('2026-11-20 08:00') });
    insertFeedback(db, { reportId: 2, problemId: 1, unitId: 'yz', fixed: 'partly', fixedAt: local('2026-11-21 08:00'), rating: 3, ratedAt: local('2026-11-21 08:00') });
    insertFeedback(db, { reportId: 7, problemId: 1, unitId: 'yz', rating: 5, ratedAt: local('2026-11-22 10:00') });
    // ez: not fixed, fixed, and "fixed" about a problem closed as not our responsibility (counts 0): 1 of 3; ratings 1, 4.
    insertFeedback(db, { reportId: 22, problemId: 10, unitId: 'ez', fixed: 'not_fixed', fixedAt: local('2026-11-17 08:00'), rating: 1, ratedAt: local('2026-11-17 08:00') });
    insertFeedback(db, { reportId: 23, problemId: 10, unitId: 'ez', fixed: 'fixed', fixedAt: local('2026-11-18 08:00'), rating: 4, ratedAt: local('2026-11-18 08:00') });
    insertFeedback(db, { reportId: 32, problemId: 11, unitId: 'ez', fixed: 'fixed', fixedAt: local('2026-11-19 08:00') });
    // No unit: overall only.
    insertFeedback(db, { reportId: 6, problemId: 5, unitId: null, fixed: 'fixed', fixedAt: local('2026-11-20 08:00'), rating: 4, ratedAt: local('2026-11-20 08:00') });
    // tyg: a rating this week, an answer last week (not counted), and a question nobody answered.
    insertFeedback(db, { reportId: 8, problemId: 7, unitId: 'tyg', rating: 5, ratedAt: local('2026-11-18 08:00') });
    insertFeedback(db, { reportId: 20, problemId: 7, unitId: 'tyg', fixed: 'fixed', fixedAt: local('2026-11-14 08:00'), rating: 5, ratedAt: local('2026-11-14 08:00') });
    insertFeedback(db, { reportId: 21, problemId: 7, unitId: 'tyg', askedAt: local('2026-11-14 07:00') });
  })();
}
