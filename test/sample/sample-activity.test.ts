import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { createDigestService } from '../../src/digest/digest-service.ts';
import { localMidnight } from '../../src/digest/periods.ts';
import { createSimulationClock, simulateActivity, type SimulationSummary } from '../../src/sample/sample-activity.ts';
import { createHarness, tempDir, type Harness } from '../support/harness.ts';
import { TITLE_MAX_LENGTH } from '../../src/domain/classification.ts';
import { titleWidth } from '../../src/problems/ledger-title.ts';
import { createThemeStore } from '../../src/problems/theme-store.ts';
import { themesFrom } from '../../src/problems/themes.ts';

const START = localMidnight(2026, 9, 7, 'Asia/Shanghai'); // a Monday
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function simulate(seed: number): Promise<{ app: App; summary: SimulationSummary; clock: ReturnType<typeof createSimulationClock> }> {
  const clock = createSimulationClock(START);
  const h = await createHarness({ now: clock.now });
  harnesses.push(h);
  const summary = await simulateActivity(h.app, { weeks: 2, seed, clock, reportsPerDay: 14 });
  return { app: h.app, summary, clock };
}

/** What the simulation left in the database, in a form two runs can be compared by. */
const fingerprint = (app: App) => ({
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
      unitName: (id) => app.units.name(id),
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

  it('is the same for the same seed, and different for another', async () => {
    const a = await simulate(11);
    const b = await simulate(11);
    const c = await simulate(12);
    expect(b.summary).toEqual(a.summary);
    expect(fingerprint(b.app)).toEqual(fingerprint(a.app));
    expect(fingerprint(c.app)).not.toEqual(fingerprint(a.app));
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
