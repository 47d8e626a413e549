import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createIntake } from '../../src/intake/intake.ts';
import { similarityDecider, type ReportForGrouping } from '../../src/problems/grouping.ts';
import { sampleGrouping } from '../support/grouping-kit.ts';
import type { LedgerTitles } from '../../src/problems/ledger-title.ts';
import { SAME_UNIT_SAME_SUBTOPIC, sameMatter } from '../../src/problems/same-matter.ts';
import { featureSimilarity, textFeatures } from '../../src/problems/similarity.ts';

/**
 * Same unit and same subtopic is the strongest signal, but not a matter by itself: 插座冒火花 and 灯管坏了 at one
 * school are both 照明与用电 and two matters. Real SQLite, real migrations, the real intake.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T08:00:00+08:00');

// Offline a title is built from unit and subtopic; this one says more than its report, to show it is not compared.
const restatingTitles: LedgerTitles = {
  forReport: (report) => `一中 ${report.subtopic === 'facilities.toilets' ? '厕所 门锁 坏了' : '问题'}`,
  afterJoin: () => null,
};

function setUp(titles?: LedgerTitles) {
  const db = openDatabase(':memory:');
  const { grouping, units } = sampleGrouping(db, T0, { ...(titles && { titles }) });
  const names = (unitId: string | null, written: string | null) => {
    const unit = unitId ? units.get(unitId) : undefined;
    return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
  };
  const intake = createIntake(db, { now: () => T0 });
  let n = 0;
  const candidate = (text: string, subtopic: string, category = 'facilities'): ReportForGrouping => {
    n++;
    const { reportId } = intake.receive({ chatId: 2000 + n, messageId: 1, userId: 2000 + n, language: 'zh', text });
    return { id: reportId, text, residentId: null, urgent: false, unitId: 'yz', unitWritten: '一中', summary: text.slice(0, 30), category, subtopic };
  };
  const report = async (text: string, subtopic: string, at = T0): Promise<number> => {
    const r = candidate(text, subtopic);
    const chosen = await similarityDecider.decide(r, grouping.shortlist(r, at));
    return db.transaction(() => grouping.attach(r, chosen, at).problemId)();
  };
  return { db, grouping, candidate, report, names };
}

describe('one unit and one subtopic need the matter in common too', () => {
  let t: ReturnType<typeof setUp>;
  beforeEach(() => {
    t = setUp();
  });
  afterEach(() => t.db.close());

  it('keeps two matters that share only their subtopic apart, and joins a rewording of one of them', async () => {
    const sparks = await t.report('一中教室插座冒火花', 'facilities.lighting_power');
    const lights = await t.report('一中教室的灯管坏了好几根，晚自习看不清', 'facilities.lighting_power', T0 + DAY);
    const again = await t.report('一中教室插座烧黑了，一插就打火', 'facilities.lighting_power', T0 + 2 * DAY);
    expect(lights).not.toBe(sparks);
    expect(again).toBe(sparks);
  });

  it('asks for more than a trace of shared wording (the floor is what the dev streams chose)', () => {
    const evidence = { unit: 'same', subtopic: 'same', sameCategory: true, ageDays: 1 } as const;
    expect(sameMatter({ ...evidence, text: 0.07 }).joins).toBe(false);
    expect(sameMatter({ ...evidence, text: SAME_UNIT_SAME_SUBTOPIC }).joins).toBe(true);
  });
});

describe('a busy unit', () => {
  let t: ReturnType<typeof setUp>;
  beforeEach(() => {
    t = setUp();
  });
  afterEach(() => t.db.close());

  it('still finds its matter among more problems than are scored: the report’s subtopic is scored first', async () => {
    const heating = await t.report('一中宿舍暖气片是冰的，晚上冻得睡不着', 'facilities.heating_cooling');
    const others = ['食堂饭菜太咸', '操场跑道开裂', '校服太贵', '作业太多', '校车晚点', '图书馆不开门', '厕所没纸', '饮水机坏了',
      '门卫不让家长进', '体育课被占', '课桌椅太矮', '教室灯管坏了', '周末补课', '排名公开', '家长打卡', '停车乱', '篮球架松', '楼道太暗'];
    for (const [i, text] of others.entries()) await t.report(`一中${text}，希望处理`, `other.topic_${i}`, T0 + (i + 1) * 3_600_000);
    const again = await t.report('一中宿舍暖气还是不热，冻得睡不着', 'facilities.heating_cooling', T0 + DAY);
    expect(again).toBe(heating);
  });
});

describe('a problem is compared through its reports, not its title', () => {
  let t: ReturnType<typeof setUp>;
  beforeEach(() => {
    t = setUp(restatingTitles);
  });
  afterEach(() => t.db.close());

  it('scores a new report on the words of the reports, where the title restates the subtopic', async () => {
    await t.report('一中厕所一直没有卫生纸', 'facilities.toilets');
    const locks = t.candidate('一中厕所门锁坏了', 'facilities.toilets');
    const [best] = t.grouping.shortlist(locks, T0 + DAY);
    const ignore = t.names('yz', '一中');
    const toReport = featureSimilarity(textFeatures(locks.text, ignore), textFeatures('一中厕所一直没有卫生纸', ignore));
    const toTitle = featureSimilarity(textFeatures(locks.text, ignore), textFeatures('一中 厕所 门锁 坏了', ignore));
    expect(toTitle).toBeGreaterThan(toReport);
    expect(best!.evidence.text).toBeCloseTo(toReport, 6);
    // The title still goes to the model and to staff with the candidate.
    expect(best!.texts[0]).toBe('一中 厕所 门锁 坏了');
  });
});
