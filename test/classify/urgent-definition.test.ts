import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { loadPromptTemplate, renderSystemPrompt } from '../../src/classify/llm-classifier.ts';
import { createOfflineClassifier, loadExamples } from '../../src/classify/offline/offline-classifier.ts';
import type { OfflineClassifier } from '../../src/classify/offline/offline-classifier.ts';
import { findRiskCues } from '../../src/classify/offline/risk-cues.ts';
import { normalizeText } from '../../src/classify/offline/text-features.ts';

/**
 * Urgent means a person in danger now, or harm still going on (the definition is written once, in
 * prompts/classify-system.md, and docs/CLASSIFIER.md explains how the offline classifier follows it). Staff who get
 * an alert for a healed injury, a worry or a joke learn to ignore alerts.
 */

const catalogue = loadCatalogue();
let classifier: OfflineClassifier;

beforeAll(() => {
  classifier = createOfflineClassifier({ catalogue, examples: loadExamples() });
});

const urgent = (text: string) => classifier.classifySync(text).urgent;

describe('not urgent: alarming words about a danger that is not now', () => {
  it.each([
    ['harm that is over, and a bill', '寒假前女儿在操场摔断了手腕，早就养好了，学校一直没说医药费怎么办'],
    ['compensation already paid', '孩子半个月前在校门口被狗咬的事学校已经赔了，只想问疫苗能不能报销'],
    ['found the same day', '前天托管班有个孩子走丢，当晚就找到了，建议接送要刷卡'],
    ['investigated and replaced', '那次校车刹车失灵的事后来查清楚了，司机也换了，希望公开通报'],
    ['a past event and a question about footage', '上周孩子被同学推倒磕破了头，想问学校能不能调监控看看是谁'],
    ['a worry inside the cue (哪天…)', '宿舍阳台的晾衣杆锈得厉害，哪天断了砸到人怎么办'],
    ['a worry inside a long cue', '体育馆的篮板哪天掉下来可怎么办，螺丝都锈了'],
    ['a worry the learned model alone would raise', '操场边的单杠底座锈穿了，担心哪天倒下来伤到人'],
    ['a figure of speech the learned model alone would raise', '教室里没装空调，热死了，孩子们一节课下来满头大汗'],
    ['a worry, in English', 'If a child gets hurt on that broken slide, who is responsible?'],
    ['joking, said so', '考试排名一公布，孩子说丢脸丢到要跳楼了，当然是说笑的，但排名能不能别公布'],
    ['an idiom after the cue', '作业多到想死的心都有了，能不能少留点'],
    ['a body "about to break" from exercise', '体育课跑三千米，孩子说腿都要跑断了，量是不是太大'],
    ['grades that fall', '补课班老师说不报名就等着成绩掉下去吧，这算不算威胁'],
    ['a stranger driven off, with thanks', '谢谢二中保安大叔，那天有陌生人在门口纠缠学生，他马上把人赶走了'],
    ['a word inside another (高中暑假)', '高中暑假只放十天，剩下全是学校安排的自主学习'],
    ['dozing in class is not a driver dozing', '孩子作业写到半夜，第二天上课一直打瞌睡'],
    ['renovating a condemned building is a plan', '请问学校的危房改造什么时候开工？'],
    ['an inspection', 'Has the new dormitory passed its fire inspection yet?'],
  ])('%s', (_, text) => {
    expect(urgent(text), text).toBe(false);
  });
});

describe('urgent: the same kinds of words when the danger is now', () => {
  it.each([
    ['harm again after a handled one', '上个月的事学校说处理了，今天那几个人又把我儿子堵在厕所打，现在头还在流血'],
    ['a past event, and it is happening again now', '上周孩子被同学推倒过，今天又被推下楼梯，现在站不起来'],
    ['about to fall, not a worry', '教学楼的外墙裂开倾斜了，随时可能倒，孩子们每天从下面走'],
    ['not a joke', '不是开玩笑，他刚才发消息说今晚就要从楼顶跳下去'],
    ['thanks, then a danger now', '谢谢老师之前的帮助，但孩子今天又被高年级的人勒索，还被打了好几拳'],
    ['still missing', '孩子放学到现在还没到家，电话手表打不通，学校说早就放了'],
    ['a driver dozing at the wheel', '校车司机开车一直打瞌睡，车上坐满了孩子'],
    ['heatstroke', '军训时好几个学生中暑晕倒了，教官还让继续站'],
  ])('%s', (_, text) => {
    expect(urgent(text), text).toBe(true);
  });
});

describe('urgent: something failing with children exposed to it right now (the class blind-f missed)', () => {
  it.each([
    ['a wall shedding bricks beside seated pupils', '城关二小教室的墙皮一块块往下剥，今天又掉了一片，学生还坐在墙边上课'],
    ['a fan hanging loose over a class', 'the light in room 204 at Dongcheng Middle School is hanging by one wire and the children are sitting right under it'],
    ['a broken climbing frame still in use', '公园滑梯的扶手断了一截，好几个小朋友还在上面爬'],
    ['lights out at a crossing, children in the road', '南湖小学门口的信号灯坏了，车不减速，学生们在路中间来回躲'],
    ['children carried in an open truck bed', '一辆农用三轮车载着七八个孩子，车斗连个挡板都没有，正往国道上开'],
  ])('%s', (_, text) => {
    expect(urgent(text), text).toBe(true);
  });

  it.each([
    ['the hazard alone, no one exposed', '公园滑梯的扶手断了一截，希望尽快修一下'],
    ['children nearby, nothing failing', '操场上孩子们都在树底下乘凉，希望多种点树'],
    ['fixed before anyone was near', '教室吊扇松了，后来学校已经修好了，当时学生都不在下面'],
  ])('not: %s', (_, text) => {
    expect(urgent(text), text).toBe(false);
  });
});

describe('the rule’s cues', () => {
  const armed = (text: string, group: string) =>
    findRiskCues(normalizeText(text)).some((hit) => hit.group === group && hit.strong && !hit.negated);

  it('stay inside their clause once full-width punctuation is normalised (，→ ,)', () => {
    // The structure cue used to read across the comma: "瓷砖颜色旧了,球砸".
    expect(armed('外墙瓷砖颜色旧了，球砸坏了玻璃', 'structure')).toBe(false);
    expect(armed('天花板的瓷砖正往下掉，孩子们还在教室里', 'structure')).toBe(true);
  });

  it('read long hostile input in one pass', () => {
    const hostile = [
      '上个月'.repeat(2000),
      '1'.repeat(5000),
      `${'哈'.repeat(3000)}想死`,
      `${'当天下午就'.repeat(1000)}找到了`,
      `哪天${'掉'.repeat(4000)}`,
      `${'万一哪天'.repeat(1200)}砸到孩子`,
      'what if '.repeat(800),
    ];
    for (const text of hostile) {
      const label = classifier.classifySync(text);
      expect(typeof label.urgent).toBe('boolean');
    }
  });
});

describe('the LLM is told the same definition', () => {
  it('names what is not urgent, and what makes it urgent again', () => {
    const prompt = renderSystemPrompt(loadPromptTemplate(), catalogue);
    expect(prompt).toMatch(/in danger now or the harm is still going on/);
    for (const kind of ['over or handled', 'a worry about what could happen', 'jokes and figures of speech', 'thanks for a rescue', 'routine complaints in strong words']) {
      expect(prompt).toContain(kind);
    }
    expect(prompt).toMatch(/harm is back or still happening[^\n]*urgent/);
  });
});
