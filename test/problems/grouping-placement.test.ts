import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createIntake } from '../../src/intake/intake.ts';
import { similarityDecider, type ReportForGrouping } from '../../src/problems/grouping.ts';
import { UNIT_ONLY_ON_REPORT, sameMatter } from '../../src/problems/same-matter.ts';
import { sampleGrouping } from '../support/grouping-kit.ts';

/**
 * Two precision rules of issue 11, measured on the spent blind streams h, j and k (docs/GROUPING.md "Blind stream l"):
 * a report placed at a school does not join a problem placed nowhere (the district's 中考体育) on a trace of shared
 * words; and at one school's bus, a door that will not shut and a cancelled stop are two matters (prompts/facets.json).
 * Real SQLite, real migrations, the real intake and the sample directory.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T08:00:00+08:00');

function setUp() {
  const db = openDatabase(':memory:');
  const { grouping } = sampleGrouping(db, T0);
  const intake = createIntake(db, { now: () => T0 });
  let n = 0;
  const report = async (text: string, where: { unitId: string | null; unitWritten?: string; category: string; subtopic: string }, at: number): Promise<number> => {
    n++;
    const { reportId } = intake.receive({ chatId: 3000 + n, messageId: 1, userId: 3000 + n, language: 'zh', text });
    const r: ReportForGrouping = { id: reportId, text, residentId: null, urgent: false, unitId: where.unitId, unitWritten: where.unitWritten ?? null, summary: text.slice(0, 30), category: where.category, subtopic: where.subtopic };
    const chosen = await similarityDecider.decide(r, grouping.shortlist(r, at));
    return db.transaction(() => grouping.attach(r, chosen, at).problemId)();
  };
  return { db, report };
}

// Every test on its own database.
let t: ReturnType<typeof setUp>;
beforeEach(() => {
  t = setUp();
});
afterEach(() => t.db.close());

describe('a report at a school and a problem placed nowhere', () => {
  const pe = (unitId: string | null) => ({ unitId, category: 'sports', subtopic: 'sports.pe_lessons' });

  it('stay apart on a shared subtopic and a shared facet (体测 / 中考体育)', async () => {
    const district = await t.report('听说今年中考体育加了游泳 乡下学校连个池子都没有 孩子上哪练去', pe(null), T0);
    const question = await t.report('今年中考体育跳绳满分是多少个啊', pe(null), T0 + DAY);
    expect(question).toBe(district);
    const school = await t.report('二中体测跳绳和一千米根本没测 老师让自己报个成绩就行', pe('ez'), T0 + 2 * DAY);
    expect(school).not.toBe(district);
  });

  it('join when the words are nearly the same, and a report with no unit still joins the school\'s problem', async () => {
    const district = await t.report('中考体育加了游泳项目 乡下学校的孩子没地方练', pe(null), T0);
    const same = await t.report('二中的家长说 中考体育加了游泳项目 乡下学校的孩子没地方练', pe('ez'), T0 + DAY);
    expect(same).toBe(district);
    const lessons = await t.report('二中初三的体育课全让数学老师占了 这学期没上过几节', pe('ez'), T0 + 2 * DAY);
    const unplacedAgain = await t.report('初三的体育课全让数学老师占了 一学期没上过几节', pe(null), T0 + 3 * DAY);
    expect(unplacedAgain).toBe(lessons);
  });

  it('needs the rule\'s bar, and never across categories', () => {
    const evidence = { unit: 'unplaced', subtopic: 'same', sameCategory: true, ageDays: 1 } as const;
    expect(sameMatter({ ...evidence, text: UNIT_ONLY_ON_REPORT - 0.01 }).joins).toBe(false);
    expect(sameMatter({ ...evidence, text: UNIT_ONLY_ON_REPORT }).joins).toBe(true);
    expect(sameMatter({ ...evidence, sameCategory: false, text: 0.99 }).joins).toBe(false);
  });
});

describe('a school in the directory and a place it does not know', () => {

  // Blind stream n: 东城中学's boarding fee that it will not refund joined 启航教育's refund problem on 不退 and 费.
  const refund = (unitId: string | null, unitWritten?: string) => ({ unitId, ...(unitWritten && { unitWritten }), category: 'fees', subtopic: 'fees.refund' });

  it('are two places on shared words, either way round', async () => {
    const tutoring = await t.report('启航教育拖着不退钱 剩下的课时费一分不退', refund(null, '启航教育'), T0);
    const school = await t.report('东城中学孩子改走读了 住宿费一学期八百 一分不退', refund('dczx', '东城中学'), T0 + DAY);
    expect(school).not.toBe(tutoring);
    const again = await t.report('星火教育剩下的课时费一分不退 改不了', refund(null, '星火教育'), T0 + 2 * DAY);
    expect(again).not.toBe(school);
  });

  it('are one only on nearly the same words (a company the classifier placed at a school it named)', async () => {
    const tutoring = await t.report('启航教育突然关门 老板跑路 课时费退不了', refund(null, '启航教育'), T0);
    const same = await t.report('启航教育突然关门 老板跑路 课时费退不了 就在实验小学对面', refund('sx', '启航教育'), T0 + DAY);
    expect(same).toBe(tutoring);
  });
});

describe('one school bus, two matters', () => {
  const bus = { unitId: 'hxzxx', category: 'transport', subtopic: 'transport.bus_service' };

  it('keeps a door that will not shut apart from a cancelled stop, and joins a rewording of the stop', async () => {
    const stop = await t.report('河西中心校的校车把我们王庄那个站取消了 现在娃要走二里地到大路上等车', bus, T0);
    const door = await t.report('河西镇中心校那辆黄色校车车门老是关不严 开起来哐哐响 孩子靠门坐很危险', bus, T0 + DAY);
    const driver = await t.report('河西中心小学校车司机下午老是提前五六分钟就开走 低年级的娃追不上', bus, T0 + 2 * DAY);
    const stopAgain = await t.report('王庄站点取消了以后一年级的小孩得自己走到公路边坐车 河西镇中心小学能不能把站恢复', bus, T0 + 3 * DAY);
    expect(door).not.toBe(stop);
    expect(driver).not.toBe(stop);
    expect(driver).not.toBe(door);
    expect(stopAgain).toBe(stop);
  });
});

describe('one kindergarten\'s fees: a rise without a hearing is one matter however it is told', () => {
  const fees = { unitId: 'yy', category: 'fees', subtopic: 'fees.kindergarten' };

  it('joins 涨到 / 没有听证 with 涨价了, and keeps paid interest classes apart', async () => {
    const rise = await t.report('区一幼保教费从下个月开始涨到1200，没有听证，也没提前通知', fees, T0);
    const again = await t.report('一幼涨价了 一个月涨了四百 公办园这么涨合理吗', fees, T0 + DAY);
    const classes = await t.report('一幼要求每个孩子报特色班 美术班舞蹈班每月另交三百', fees, T0 + 2 * DAY);
    expect(again).toBe(rise);
    expect(classes).not.toBe(rise);
  });
});
