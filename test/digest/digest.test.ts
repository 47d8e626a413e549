import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { WeeklyDigest } from '../../src/digest/digest-data.ts';
import type { DigestService } from '../../src/desk/digest-service.ts';
import { parseTelegramHtml } from '../../src/emulator/telegram-html.ts';
import { visibleLength } from '../../src/i18n/html.ts';
import { tempDir } from '../support/harness.ts';
import { digestService, insertProblem, insertReport, local, openFixtureDb } from './fixture.ts';
import { BUILT_AT, buildScenario } from './scenario.ts';

let db: Db;
let cleanup: () => void;
let service: DigestService;
let digest: WeeklyDigest;

beforeEach(() => {
  const dir = tempDir();
  cleanup = dir.cleanup;
  db = openFixtureDb(dir.dir);
  buildScenario(db);
  service = digestService(db, { now: () => BUILT_AT });
  digest = service.build(service.defaultWeek(), BUILT_AT);
});
afterEach(() => {
  db.close();
  cleanup();
});

/** The text of all text messages, joined: what staff read. */
const textOf = (rendered: ReturnType<DigestService['render']>) =>
  rendered.messages.map((m) => (m.type === 'text' ? m.html : '')).join('\n\n');

describe('the weekly digest built on Monday 09:00 covers the last full week', () => {
  it('is about ISO week 2026-W47, Monday to Sunday in Shanghai, against W46', () => {
    expect(digest.week).toEqual({ kind: 'week', key: '2026-W47', start: local('2026-11-16 00:00'), end: local('2026-11-23 00:00') });
    expect(digest.previousWeek.key).toBe('2026-W46');
    expect(digest.builtAt).toBe(BUILT_AT);
  });

  it('counts new reports and new problems against the week before (merged problems and reports outside the weeks left out)', () => {
    expect(digest.reports).toEqual({ current: 13, previous: 4 });
    expect(digest.problems).toEqual({ current: 9, previous: 2 });
  });

  it('counts reports by category this week and last, unclassified ones on their own line', () => {
    expect(digest.byCategory).toEqual([
      { category: 'food', current: 6, previous: 0 },
      { category: 'facilities', current: 2, previous: 0 },
      { category: 'transport', current: 2, previous: 0 },
      { category: 'sports', current: 1, previous: 2 },
      { category: 'campus_safety', current: 1, previous: 0 },
      { category: null, current: 1, previous: 0 },
      { category: 'fees', current: 0, previous: 2 },
    ]);
  });

  it('lists the five problems with most reports this week', () => {
    expect(digest.topProblems.map((p) => [p.id, p.reports, p.totalReports, p.residents, p.unitId, p.status])).toEqual([
      [1, 3, 4, 4, 'yz', 'resolved'],
      [2, 2, 2, 2, 'yz', 'assigned'],
      [3, 2, 2, 2, 'ez', 'new'],
      [4, 1, 1, 1, 'ez', 'new'],
      [5, 1, 1, 1, null, 'resolved'],
    ]);
    expect(digest.topProblems[4]!.unitWritten).toBe('城东小学');
  });

  it('lists the problems that became widespread or recurring this week, not earlier', () => {
    expect(digest.newWidespread).toEqual({ total: 1, problems: [expect.objectContaining({ id: 7, residents: 5, unitId: 'tyg' })] });
    expect(digest.newRecurring).toEqual({ total: 1, problems: [expect.objectContaining({ id: 8, unitId: 'sx', status: 'assigned' })] });
  });

  it('says for each urgent report whether it was acted on within 24 hours (exactly 24 h is in time; an earlier action counts)', () => {
    expect(digest.urgent.total).toBe(6);
    expect(digest.urgent.counts).toEqual({ in_time: 2, late: 1, missed: 2, pending: 1 });
    expect(digest.urgent.reports.map((r) => [r.reportId, r.problemId, r.unitId, r.outcome])).toEqual([
      [4, 3, 'ez', 'missed'],
      [12, 3, 'ez', 'missed'],
      [13, 2, 'yz', 'late'],
      [5, 4, 'ez', 'pending'],
      [8, 7, 'tyg', 'in_time'],
      [10, 9, 'yz', 'in_time'],
    ]);
  });

  it('lists overdue problems as of the moment it is built, most overdue first, with the responsible unit', () => {
    expect(digest.overdue.total).toBe(3);
    expect(digest.overdue.problems.map((p) => [p.id, p.responsibleUnitId, p.deadlineAt])).toEqual([
      [7, 'tyg', local('2026-11-17 10:00')],
      [2, 'yz', local('2026-11-20 09:00')],
      [9, null, local('2026-11-22 10:00')],
    ]);
  });

  it('computes the three rates overall', () => {
    const o = digest.ranking.overall;
    expect(o.problems).toBe(9);
    expect(o.response).toEqual({ numerator: 6, denominator: 8, value: 0.75, pending: 1 });
    expect(o.resolution).toEqual({ numerator: 3.5, denominator: 6, value: 3.5 / 6 });
    expect(o.satisfaction).toEqual({ numerator: 5, denominator: 7, value: 5 / 7, mean: 27 / 7 });
  });

  it('ranks units with enough problems by the composite and shows the others unranked', () => {
    const byUnit = Object.fromEntries(digest.ranking.units.map((u) => [u.unitId, u]));
    expect(digest.ranking.units.map((u) => [u.unitId, u.rank])).toEqual([
      ['sx', 1],
      ['yz', 2],
      ['ez', null],
      ['tyg', null],
    ]);
    expect(byUnit.yz).toMatchObject({
      unitName: '第一中学',
      problems: 3,
      response: { numerator: 2, denominator: 3, pending: 0 },
      resolution: { numerator: 1.5, denominator: 2, value: 0.75 },
      satisfaction: { numerator: 2, denominator: 3, mean: 13 / 3 },
    });
    expect(byUnit.yz!.composite).toBeCloseTo(100 * (0.3 * (2 / 3) + 0.35 * 0.75 + 0.35 * (2 / 3)), 9);
    // Only a response rate: the composite is that rate, the other weights left out.
    expect(byUnit.sx).toMatchObject({ problems: 3, response: { value: 1 }, resolution: { value: null }, satisfaction: { value: null }, composite: 100 });
    expect(byUnit.ez).toMatchObject({ problems: 2, response: { numerator: 0, denominator: 1, value: 0, pending: 1 }, resolution: { numerator: 1, denominator: 3 }, satisfaction: { numerator: 1, denominator: 2, mean: 2.5 } });
    expect(byUnit.ez!.composite).toBeCloseTo(100 * (0.35 / 3 + 0.35 * 0.5), 9);
    expect(byUnit.tyg).toMatchObject({ problems: 0, response: { value: null }, resolution: { value: null }, satisfaction: { value: 1, mean: 5 }, composite: 100 });
  });
});

describe('the digest as staff read it (Chinese)', () => {
  it('says every figure', () => {
    const rendered = service.render(service.defaultWeek(), { builtAt: BUILT_AT });
    const text = textOf(rendered);
    const expected = [
      '📊 <b>每周简报 · 2026-W47</b>\n2026-11-16 至 2026-11-22 · 区教育和体育局',
      '新反映：<b>13</b> 条（上周 4 条，+9，+225%）',
      '新问题：<b>9</b> 个（上周 2 个，+7，+350%）',
      '<b>🗂 各类别反映数量</b>（本周 · 上周 · 变化）\n<pre>' +
        [' 6  0  +6  食堂餐饮', ' 2  0  +2  校舍设施', ' 2  0  +2  校车交通', ' 1  2  -1  体育场馆与赛事', ' 1  0  +1  校园安全', ' 1  0  +1  未分类', ' 0  2  -2  收费问题', '13  4  +9  合计'].join('\n') +
        '</pre>',
      '1. <b>#1</b> 第一中学 · 食堂餐饮：食堂饭菜里有头发（本周 3 条，累计 4 条，已解决）',
      '2. <b>#2</b> 第一中学 · 食堂餐饮：食堂菜是隔夜的（本周 2 条，累计 2 条，已交办）',
      '3. <b>#3</b> 第二中学 · 校车交通：校车经常迟到（本周 2 条，累计 2 条，待处理）',
      '4. <b>#4</b> 第二中学 · 校舍设施：教室灯管掉下来（本周 1 条，累计 1 条，待处理）',
      '5. <b>#5</b> 城东小学 · 校舍设施：城东小学厕所漏水（本周 1 条，累计 1 条，已解决）',
      '<b>📣 新出现的普遍问题</b>（1 个）\n• <b>#7</b> 区体育馆 · 体育场馆与赛事：体育馆淋浴没有热水（5 位群众反映）',
      '<b>🔁 反复出现的问题</b>（1 个）\n• <b>#8</b> 实验小学 · 食堂餐饮：午餐分量太少（已交办）',
      '<b>🚨 紧急反映</b>（6 条）\n是否在 24 小时内处理：✅ 及时 2 · ⚠️ 超时 1 · ❌ 未处理 2 · ⏳ 仍在时限内 1',
      '❌ <b>#4</b> 11-18 08:00 第二中学 · 校车交通 → #3：超过时限仍未处理',
      '❌ <b>#12</b> 11-19 09:00 第二中学 · 校车交通 → #3：超过时限仍未处理',
      '⚠️ <b>#13</b> 11-17 10:00 第一中学 · 食堂餐饮 → #2：29 小时后才处理',
      '⏳ <b>#5</b> 11-22 20:00 第二中学 · 校舍设施 → #4：尚未处理，仍在时限内',
      '✅ <b>#8</b> 11-17 08:00 区体育馆 · 体育场馆与赛事 → #7：反映前已在处理',
      '✅ <b>#10</b> 11-21 10:00 第一中学 · 校园安全 → #9：24 小时后处理',
      '<b>⏰ 逾期未办结的问题</b>（截至 2026-11-23 09:00，共 3 个）',
      '• <b>#7</b> 区体育馆 · 体育场馆与赛事：体育馆淋浴没有热水（责任单位：区体育馆，逾期 5 天）',
      '• <b>#2</b> 第一中学 · 食堂餐饮：食堂菜是隔夜的（责任单位：第一中学，逾期 3 天）',
      '• <b>#9</b> 第一中学 · 校园安全：课间有学生打架（责任单位：未交办，逾期 23 小时）',
      '响应率：<b>75%</b>（8 个新问题中 6 个在 24 小时内响应）；另有 1 个仍在响应时限内，暂不计入',
      '解决率：<b>58.3%</b>（6 份回访答复中 3.5 份为已解决，部分解决按半份计）',
      '满意率：<b>71.4%</b>（7 个评价中 5 个为 4–5 星，平均 3.9 星）',
      '综合得分 = 响应率×30% + 解决率×35% + 满意率×35%',
      '问题少于 3 个的单位不排名。',
      '<b>表现最好</b>\n<b>1. 实验小学</b> — 综合 <b>100</b>\n   响应 100% · 解决 — · 满意 —（均分 —，0 个评价）· 问题 3 个',
      '<b>有待改进</b>\n<b>2. 第一中学</b> — 综合 <b>69.6</b>\n   响应 66.7% · 解决 75% · 满意 66.7%（均分 4.3，3 个评价）· 问题 3 个',
      '另有 2 个单位问题少于 3 个或没有数据，未参加排名。',
    ];
    for (const line of expected) expect(text).toContain(line);
  });

  it('comes as the chart with a caption, then text messages that Telegram accepts', () => {
    const rendered = service.render(service.defaultWeek(), { builtAt: BUILT_AT });
    const [photo, ...texts] = rendered.messages;
    expect(photo).toMatchObject({ type: 'photo', captionHtml: '📊 <b>每周简报 · 2026-W47</b>（2026-11-16 至 2026-11-22）\n各类别反映数量：本周 13 条，上周 4 条。详细内容见下文。' });
    expect(texts.length).toBeGreaterThan(0);
    for (const message of texts) {
      expect(message.type).toBe('text');
      const html = message.type === 'text' ? message.html : '';
      expect(parseTelegramHtml(html)).toMatchObject({ ok: true });
      expect(visibleLength(html)).toBeLessThanOrEqual(4096);
    }
  });

  it('is in English when the staff language is English', () => {
    const english = digestService(db, { now: () => BUILT_AT, language: 'en' });
    const text = textOf(english.render(english.defaultWeek(), { builtAt: BUILT_AT }));
    expect(text).toContain('New reports: <b>13</b> (last week 4; +9, +225%)');
    expect(text).toContain('Response rate: <b>75%</b> (6 of 8 new problems acted on within 24 h); 1 more still within the window, not counted yet');
    expect(text).toContain('<b>2. 第一中学</b> — composite <b>69.6</b>');
    expect(text).toContain('2. <b>#2</b> 第一中学 · Canteen &amp; meals: 食堂菜是隔夜的 (2 this week, 2 in all, assigned)');
    expect(text).not.toMatch(/新反映|响应率|本周/);
  });

  it('says "none" for empty sections and draws no chart for a week without reports', () => {
    const rendered = service.render(service.parseWeek('2026-W40')!, { builtAt: BUILT_AT });
    expect(rendered.messages.every((m) => m.type === 'text')).toBe(true);
    const text = textOf(rendered);
    expect(text).toContain('新反映：<b>0</b> 条（上周 0 条，0）');
    expect(text).toContain('<b>🔥 本周反映最多的问题</b>\n无');
    expect(text).toContain('<b>🚨 紧急反映</b>（0 条）\n无');
    expect(text).toContain('响应率：<b>—</b>（0 个新问题中 0 个在 24 小时内响应）');
    expect(text).toContain('本期没有达到排名条件的单位。');
  });
});

describe('a long digest', () => {
  it('is split into messages Telegram accepts, none over 4096 characters, cut only between lines', () => {
    const title = (id: number) => `第${id}号问题：${'学校门口接送孩子的车辆乱停乱放，早晚高峰堵得水泄不通，'.repeat(2)}`.slice(0, 80);
    db.transaction(() => {
      for (let id = 100; id < 130; id++) {
        const createdAt = local('2026-11-16 09:00') + id * 60_000;
        insertProblem(db, { id, title: title(id), category: 'transport', unitId: 'cgex', responsibleUnitId: 'cgex', status: 'assigned', createdAt, deadlineAt: local('2026-11-18 09:00'), widespreadAt: createdAt, recurringAt: createdAt, urgent: true });
        insertReport(db, { id: 1000 + id, receivedAt: createdAt, category: 'transport', problemId: id, urgent: true, unitId: 'cgex' });
      }
    })();
    const rendered = service.render(service.defaultWeek(), { builtAt: BUILT_AT });
    const texts = rendered.messages.flatMap((m) => (m.type === 'text' ? [m.html] : []));
    expect(texts.length).toBeGreaterThanOrEqual(3);
    const originalLines = new Set(rendered.html.split('\n'));
    for (const part of texts) {
      expect(visibleLength(part)).toBeLessThanOrEqual(4096);
      expect(parseTelegramHtml(part)).toMatchObject({ ok: true });
      // Whole lines of the digest (a carried-over <pre> aside), and each message starts a section or a line of one.
      for (const line of part.split('\n')) expect(originalLines.has(line) || /<\/?pre>/.test(line)).toBe(true);
    }
    const words = (html: string) => html.replace(/<\/?pre>/g, '').replace(/\n+/g, '\n');
    expect(words(texts.join('\n'))).toBe(words(rendered.html));
    // Lists are cut at 20 lines, the totals still count all.
    expect(rendered.html).toContain('<b>⏰ 逾期未办结的问题</b>（截至 2026-11-23 09:00，共 33 个）');
    expect(rendered.html).toContain('……另有 13 项');
  });
});

describe('the ranking of a period (/ranking)', () => {
  it('shows every unit of the period, ranked ones first, with the rates and the composite', () => {
    const [table = '', ...more] = service.renderRanking(service.parsePeriod('week')!);
    expect(more).toEqual([]);
    expect(table).toContain('🏆 <b>单位排名 · 2026-W47</b>\n2026-11-16 至 2026-11-22');
    expect(table).toContain('<b>全区</b>\n   响应 75% · 解决 58.3% · 满意 71.4%（均分 3.9，7 个评价）· 问题 9 个');
    expect(table.indexOf('<b>1. 实验小学</b> — 综合 <b>100</b>')).toBeLessThan(table.indexOf('<b>2. 第一中学</b> — 综合 <b>69.6</b>'));
    expect(table).toContain('<b>未排名</b>（问题少于 3 个或没有数据）\n· <b>第二中学</b>\n   响应 0% · 解决 33.3% · 满意 50%（均分 2.5，2 个评价）· 问题 2 个\n· <b>区体育馆</b>');
    expect(table).not.toContain('本期尚未结束');
  });

  it('covers a month or a quarter, saying when the period is not over', () => {
    const month = service.parsePeriod('2026-11')!;
    expect(month).toMatchObject({ kind: 'month', start: local('2026-11-01 00:00'), end: local('2026-12-01 00:00') });
    const [table] = service.renderRanking(month);
    expect(table).toContain('单位排名 · 2026-11');
    expect(table).toContain('本期尚未结束，数据截至 2026-11-23 09:00。');
    // November so far: the 9 of W47, the 2 of W46 and #8, #11 from earlier in the month.
    expect(service.ranking(month).overall.problems).toBe(13);
    expect(service.parsePeriod('quarter')!.key).toBe('2026-Q3');
    expect(service.parsePeriod('month')!.key).toBe('2026-10');
    expect(service.parsePeriod('bogus')).toBeUndefined();
  });
});
