import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { createDigestService } from '../../src/desk/digest-service.ts';
import { localMidnight } from '../../src/digest/periods.ts';
import { createSimulationClock, simulateActivity, type SimulationSummary } from '../../src/sample/sample-activity.ts';
import { createHarness, STAFF_CHAT, tempDir, type Harness } from '../support/harness.ts';
import { groupText } from '../support/updates.ts';
import { TITLE_MAX_LENGTH } from '../../src/domain/classification.ts';
import { titleWidth } from '../../src/problems/ledger-title.ts';
import { createThemeStore } from '../../src/problems/theme-store.ts';
import { themesFrom } from '../../src/problems/themes.ts';

const START = localMidnight(2026, 9, 7, 'Asia/Shanghai'); // a Monday
const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** Every school and venue with a group of its own (issue 13), each with its principal. */
const unitChatsOf = (app: App) =>
  app.units.all().filter((u) => u.type !== 'bureau_office').map((u, i) => ({ chatId: -100_300_001 - i, units: [u.name], userId: 7_100 + i }));

async function simulate(
  seed: number,
  options: { unitChats?: boolean } = {},
): Promise<{ h: Harness; app: App; summary: SimulationSummary; clock: ReturnType<typeof createSimulationClock> }> {
  const clock = createSimulationClock(START);
  const h = await createHarness({ now: clock.now });
  harnesses.push(h);
  const summary = await simulateActivity(h.app, { weeks: 2, seed, clock, reportsPerDay: 14, ...(options.unitChats && { unitChats: unitChatsOf(h.app) }) });
  return { h, app: h.app, summary, clock };
}

/** What the simulation left in the database, in a form two runs can be compared by. */
const fingerprint = (app: App) => ({
  dispatches: app.db.prepare('SELECT problem_id, unit_id, dispatched_at, signed_at, signed_by, returned_at, return_reason FROM unit_dispatches ORDER BY id').all(),
  requests: app.db.prepare('SELECT problem_id, kind, note, deadline_at, state, created_at, decided_at FROM unit_requests ORDER BY id').all(),
  problems: app.db.prepare('SELECT id, category, unit_id, responsible_unit_id, status, created_at, first_response_at, widespread, recurring FROM problems ORDER BY id').all(),
  feedback: app.db.prepare('SELECT report_id, unit_id, fixed, fixed_at, rating FROM feedback ORDER BY report_id').all(),
});

describe('the sample district', () => {
  it('is simulated through the real app: residents write, the pipeline classifies, staff act, residents answer', async () => {
    const { app, summary, clock } = await simulate(7);
    const one = (sql: string) => app.db.prepare(sql).pluck().get() as number;
    expect(summary.to - summary.from).toBe(14 * 86_400_000);
    expect(clock.now()).toBe(summary.to);
    expect(summary.reports).toBeGreaterThan(120);
    expect(one(`SELECT COUNT(*) FROM reports WHERE state = 'classified' AND classified_by = 'offline'`)).toBe(summary.reports);
    expect(one('SELECT COUNT(DISTINCT resident_id) FROM reports')).toBeGreaterThan(50);
    expect(one(`SELECT COUNT(*) FROM outbox WHERE state <> 'sent'`)).toBe(0);
    expect(one(`SELECT COUNT(*) FROM reports WHERE received_at < ${summary.from} OR received_at >= ${summary.to}`)).toBe(0);
    // Staff acted through the desk (assign, status, resolve, close leave history and the response clock).
    expect(one(`SELECT COUNT(*) FROM problem_events WHERE actor LIKE 'staff:%'`)).toBe(summary.staffActions);
    // Without units' chats the bureau handles everything itself.
    expect(summary.unitActions).toBe(0);
    expect(one('SELECT COUNT(*) FROM problems WHERE first_response_at IS NOT NULL')).toBeGreaterThan(summary.problems / 2);
    expect(one(`SELECT COUNT(*) FROM feedback WHERE fixed IS NOT NULL`)).toBe(summary.surveyAnswers);
    expect(one('SELECT COUNT(*) FROM problems WHERE widespread = 1')).toBeGreaterThanOrEqual(1);
    expect(one('SELECT COUNT(*) FROM reports WHERE urgent = 1')).toBeGreaterThanOrEqual(1);
    expect(one(`SELECT COUNT(*) FROM problems WHERE status IN ('new', 'assigned', 'in_progress') AND deadline_at < ${summary.to}`)).toBeGreaterThan(0);
  });

  it('shows subtopics, ledger-line titles and at least one district-wide theme (issue 11)', async () => {
    const { app, summary } = await simulate(7);
    const problems = app.db.prepare('SELECT title, subtopic FROM problems').all() as Array<{ title: string; subtopic: string | null }>;
    expect(problems.filter((p) => p.subtopic !== null).length).toBeGreaterThan(problems.length / 2);
    for (const { title } of problems) expect(titleWidth(title)).toBeLessThanOrEqual(TITLE_MAX_LENGTH);
    expect(app.db.prepare('SELECT COUNT(*) FROM theme_alerts').pluck().get()).toBeGreaterThanOrEqual(1);
    const themes = themesFrom(createThemeStore(app.db).activity(summary.to - 14 * 86_400_000, summary.to), app.config.problems.themeMinUnits);
    expect(themes.length).toBeGreaterThanOrEqual(1);
  });

  it('gives a ranking worth reading: responsive and lagging units far apart', async () => {
    const { app, summary } = await simulate(7);
    const digest = createDigestService({
      db: app.db,
      outbox: app.outbox,
      tr: app.tr,
      catalogue: app.catalogue,
      unitName: (id) => app.units.displayName(id),
      timezone: app.config.timezone,
      settings: { ...app.config.digest, rankingMinProblems: 2 },
      staffChatIds: [],
      staffLanguage: 'zh',
      logger: pino({ level: 'silent' }),
      onQueued: () => {},
      now: () => summary.to + 9 * 3_600_000,
    });
    const ranked = digest.ranking({ kind: 'week', key: 'sample', start: summary.from, end: summary.to }).units.filter((u) => u.rank !== null);
    expect(ranked.length).toBeGreaterThanOrEqual(4);
    expect(ranked[0]!.composite! - ranked.at(-1)!.composite!).toBeGreaterThan(30);
  });

  it('is the same for the same seed, and different for another (units\' loop included)', async () => {
    const a = await simulate(11, { unitChats: true });
    const b = await simulate(11, { unitChats: true });
    const c = await simulate(12, { unitChats: true });
    expect(b.summary).toEqual(a.summary);
    expect(fingerprint(b.app)).toEqual(fingerprint(a.app));
    expect(fingerprint(c.app)).not.toEqual(fingerprint(a.app));
  });
});

describe('the sample district with units\' own chats (issue 13)', () => {
  it('goes round the units\' loop through the unit desk: every state of it is in the history, and staff and units see real figures', async () => {
    const { h, app, summary } = await simulate(11, { unitChats: true });
    const one = (sql: string, ...params: unknown[]) => app.db.prepare(sql).pluck().get(...params) as number;
    const chats = unitChatsOf(app);
    const principals = chats.map((c) => `'staff:${c.userId}'`).join(',');

    // Every unit action is in a problem's history, by the unit's principal; every staff action by staff.
    expect(summary.unitActions).toBeGreaterThan(50);
    expect(one(`SELECT COUNT(*) FROM problem_events WHERE actor IN (${principals})`)).toBe(summary.unitActions);
    expect(one(`SELECT COUNT(*) FROM problem_events WHERE actor LIKE 'staff:%'`)).toBe(summary.staffActions + summary.unitActions);
    // Each dispatch to a unit with a chat reached it; the bureau's offices, without one, are handled by the bureau.
    expect(one('SELECT COUNT(*) FROM unit_dispatches WHERE chats > 0')).toBeGreaterThan(50);
    expect(one('SELECT COUNT(*) FROM unit_dispatches WHERE chats = 0 AND unit_id IN (SELECT unit_id FROM unit_chats)')).toBe(0);

    // Dispatched and not yet signed for, still open.
    expect(one(`SELECT COUNT(*) FROM unit_dispatches d JOIN problems p ON p.id = d.problem_id
      WHERE d.signed_at IS NULL AND d.returned_at IS NULL AND p.responsible_unit_id = d.unit_id AND p.status IN ('assigned', 'in_progress')`)).toBeGreaterThan(0);
    // Signed, some within the window and some late (the response rate follows sign-for).
    const window = app.config.units.ladder.signWithinMs;
    expect(one('SELECT COUNT(*) FROM unit_dispatches WHERE signed_at - dispatched_at <= ?', window)).toBeGreaterThan(0);
    expect(one('SELECT COUNT(*) FROM unit_dispatches WHERE signed_at - dispatched_at > ?', window)).toBeGreaterThan(0);
    // In progress by the unit's own word.
    expect(one(`SELECT COUNT(*) FROM problem_events WHERE actor IN (${principals}) AND action = 'status' AND to_status = 'in_progress'`)).toBeGreaterThan(0);
    // Returned with a reason, then re-assigned to another unit (or closed as the duplicate it was).
    const returned = app.db.prepare('SELECT problem_id AS problemId, unit_id AS unitId, return_reason AS reason, returned_at AS at FROM unit_dispatches WHERE returned_at IS NOT NULL').all() as Array<{ problemId: number; unitId: string; reason: string; at: number }>;
    expect(returned.length).toBeGreaterThan(0);
    for (const r of returned) expect(['not_ours', 'wrong_unit', 'duplicate']).toContain(r.reason);
    expect(returned.some((r) => one(`SELECT COUNT(*) FROM problem_events WHERE problem_id = ? AND action = 'assigned' AND at > ?`, r.problemId, r.at) > 0)).toBe(true);
    // Extensions asked, approved and refused; the approved ones moved the deadline.
    expect(one(`SELECT COUNT(*) FROM unit_requests WHERE kind = 'extend' AND state = 'approved'`)).toBeGreaterThan(0);
    expect(one(`SELECT COUNT(*) FROM unit_requests WHERE kind = 'extend' AND state = 'refused'`)).toBeGreaterThan(0);
    expect(one(`SELECT COUNT(*) FROM problem_events WHERE action = 'extension_approved'`)).toBe(one(`SELECT COUNT(*) FROM unit_requests WHERE kind = 'extend' AND state = 'approved'`));
    // Results awaiting review, sent back, and approved: resolved and the residents surveyed.
    expect(one(`SELECT COUNT(*) FROM unit_requests r JOIN problems p ON p.id = r.problem_id WHERE r.kind = 'submit' AND r.state = 'open' AND p.status IN ('assigned', 'in_progress')`)).toBeGreaterThan(0);
    expect(one(`SELECT COUNT(*) FROM problem_events WHERE action = 'review_rejected'`)).toBeGreaterThan(0);
    expect(one(`SELECT COUNT(*) FROM unit_requests r JOIN feedback f ON f.problem_id = r.problem_id WHERE r.kind = 'submit' AND r.state = 'approved' AND f.fixed IS NOT NULL`)).toBeGreaterThan(0);

    // The bureau's /ranking shows the units' handling: dispatches, sign-for, returns, extensions, rejected results.
    // The last full week: the second of the history.
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking week'));
    const ranking = h.texts(STAFF_CHAT).at(-1)!;
    expect(ranking).toContain('单位办理');
    expect(ranking).toMatch(/派单 [1-9]\d*，签收 [1-9]\d*（按时 \d+，中位 \d+\.\d 小时），退回 \d+，申请延期 \d+，审核退回 \d+/);
    // A unit's chat lists its own open problems only, and /problem shows the loop in the history in words.
    const busiest = app.db.prepare(`SELECT responsible_unit_id FROM problems WHERE status IN ('assigned', 'in_progress') AND responsible_unit_id IN (SELECT unit_id FROM unit_chats) GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1`).pluck().get() as string;
    const chat = chats.find((c) => c.units[0] === app.units.name(busiest))!;
    await h.send(groupText(chat.chatId, { id: chat.userId, first_name: '校长' }, '/problems'));
    const listed = [...h.texts(chat.chatId).at(-1)!.matchAll(/#(\d+)/g)].map((m) => Number(m[1]));
    expect(listed.length).toBeGreaterThan(0);
    for (const id of listed) expect(app.problems.get(id)!.responsibleUnitId).toBe(busiest);
    const signedId = one(`SELECT p.id FROM problems p JOIN problem_events e ON e.problem_id = p.id AND e.action = 'signed' ORDER BY p.id LIMIT 1`);
    await h.send(groupText(STAFF_CHAT, staffMember, `/problem ${signedId}`));
    expect(h.texts(STAFF_CHAT).join('\n')).toContain('签收');
  });
});

describe('npm run digest -- --sample', () => {
  it('builds the sample on a fresh checkout and writes the digest page and chart without sending anything', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const db = join(dir, 'sample.sqlite');
      const out = join(dir, 'digest.html');
      const chart = join(dir, 'chart.png');
      const run = () =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/digest.ts', '--sample', '--weeks', '2', '--db', db, '--out', out, '--chart', chart], {
          cwd: join(import.meta.dirname, '../..'),
          env: { PATH: process.env.PATH, HOME: process.env.HOME, TIMEZONE: 'Asia/Shanghai' },
          timeout: 120_000,
        });
      const first = await run();
      expect(first.stderr).toContain('simulating 2 weeks of the sample district');
      expect(first.stdout).toMatch(/── message 1\/\d+: photo/);
      expect(first.stdout).toContain('每周简报 · 2026-W38');
      expect(readFileSync(out, 'utf8')).toContain('data:image/png;base64,');
      expect(readFileSync(chart).subarray(1, 4).toString()).toBe('PNG');
      expect(existsSync(`${db}.json`)).toBe(true);
      // The second time the sample is reused, and the digest is the same.
      const second = await run();
      expect(second.stderr).not.toContain('simulating');
      expect(second.stdout).toBe(first.stdout);
    } finally {
      cleanup();
    }
  }, 180_000);
});
