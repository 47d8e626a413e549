import { describe, expect, it } from 'vitest';
import { createOfflineClassifier, loadExamples } from '../../src/classify/offline/offline-classifier.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { buildKnowledgeBase, entryId, isExpired, parseKnowledgeFile, splitByExpiry, type KnowledgeEntry } from '../../src/knowledge/knowledge-base.ts';
import { readKnowledgeDir } from '../../src/knowledge/knowledge-folder.ts';
import { checkKnowledgeAnswer, unsupportedNumbers } from '../../src/knowledge/llm-composer.ts';
import { isSmallTalk, looksLikeQuestion, mayAnswerFromKnowledge, soundsLikeGrievance } from '../../src/knowledge/question.ts';
import { createRetrieval, decide, type Scored } from '../../src/knowledge/retrieval.ts';
import { addWords } from '../../src/units/segmenter.ts';

const FILE = `# 场馆

## 区游泳馆每天几点到几点开放？
周二至周日 9:00–21:00；周一 14:00–21:00。
来源：《城关区公共体育场馆开放公告》
有效期至：2027-08-31

## 区体育馆几点开门？
周二至周日 9:00–21:00。
Source: Venue notice

## What are the Swimming Pool's opening hours?
Tuesday to Sunday 9:00–21:00.
Valid until: 2026-12-03
`;

describe('the knowledge base files', () => {
  it('give one entry per second-level heading, with source, last valid day, language and a stable id', () => {
    const { entries, problems } = parseKnowledgeFile('venues.md', FILE);
    expect(problems).toEqual([]);
    expect(entries.map((e) => e.title)).toEqual(['区游泳馆每天几点到几点开放？', '区体育馆几点开门？', "What are the Swimming Pool's opening hours?"]);
    expect(entries[0]).toMatchObject({ source: '《城关区公共体育场馆开放公告》', validUntil: '2027-08-31', language: 'zh', topic: '场馆', file: 'venues.md', line: 3 });
    expect(entries[0]!.body).toBe('周二至周日 9:00–21:00；周一 14:00–21:00。');
    expect(entries[1]).toMatchObject({ source: 'Venue notice', validUntil: null });
    expect(entries[2]).toMatchObject({ language: 'en', validUntil: '2026-12-03' });
    // The id follows the heading, not the position or the body: editing an answer keeps it.
    const edited = parseKnowledgeFile('venues.md', FILE.replace('14:00', '13:00')).entries;
    expect(edited.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    expect(entries[0]!.id).toBe(entryId('venues.md', '区游泳馆每天几点到几点开放？'));
  });

  it('report a bad entry with its file and line, and still load the others', () => {
    const text = `# x\n\n## 有答案的问题？\n答案。\n\n## 没有答案的问题？\n\n## 日期错了？\n答案。\n有效期至：2027-02-30\n\n## 日期格式错了？\n答案。\nValid until: next year\n`;
    const { entries, problems } = parseKnowledgeFile('bad.md', text);
    expect(entries.map((e) => e.title)).toEqual(['有答案的问题？']);
    expect(problems).toEqual(['bad.md:6: entry has no answer text', 'bad.md:10: not a calendar date', 'bad.md:14: expected a date as YYYY-MM-DD']);
  });

  it('skip README.md and keep the first of two entries with the same heading', () => {
    const base = buildKnowledgeBase([
      { name: 'README.md', text: '# Knowledge\n\n## Not an entry\ntext\n' },
      { name: 'a.md', text: '## 同一个问题？\n第一个。\n' },
      { name: 'b.md', text: '## 同一个问题？\n第二个。\n' },
      { name: 'notes.txt', text: '## Not markdown\ntext\n' },
    ]);
    expect(base.entries.map((e) => [e.file, e.body])).toEqual([['a.md', '第一个。']]);
    expect(base.problems).toEqual(['b.md:1: heading already used at a.md:1']);
  });

  it('use an entry through its last valid day and never after', () => {
    const [, , english] = parseKnowledgeFile('venues.md', FILE).entries;
    expect(isExpired(english!, '2026-12-03')).toBe(false);
    expect(isExpired(english!, '2026-12-04')).toBe(true);
    const { usable, expired } = splitByExpiry(parseKnowledgeFile('venues.md', FILE), '2026-12-04');
    expect(usable).toHaveLength(2);
    expect(expired.map((e) => e.title)).toEqual(["What are the Swimming Pool's opening hours?"]);
  });

  it('the shipped sample loads without problems, README skipped, three entries expired on 2026-12-04', () => {
    const base = readKnowledgeDir('prompts/knowledge');
    expect(base.problems).toEqual([]);
    expect(base.entries.length).toBe(90);
    expect(base.entries.some((e) => e.file.toLowerCase() === 'readme.md')).toBe(false);
    expect(splitByExpiry(base, '2026-12-04').expired).toHaveLength(3);
  });
});

describe('retrieval', () => {
  const { entries } = parseKnowledgeFile('venues.md', FILE);
  const retrieval = createRetrieval(entries);

  it('answers a paraphrase of one entry with confidence, and abstains on an unrelated question', () => {
    const hit = decide(retrieval.search('游泳馆每天几点开放'));
    expect(hit.confident && hit.best.entry.title).toBe('区游泳馆每天几点到几点开放？');
    expect(decide(retrieval.search('小学报名要带什么材料')).confident).toBe(false);
    expect(decide(retrieval.search('')).confident).toBe(false);
  });

  it('abstains when two entries cover the question about equally', () => {
    // "几点开门" is in one heading, "区…馆" in both: too close to call.
    expect(decide(retrieval.search('区馆几点')).confident).toBe(false);
  });

  it('answers a clear winner with less coverage: no other entry comes within 0.3 of it', () => {
    const [pool, gym] = entries as [KnowledgeEntry, KnowledgeEntry];
    const ranked = (best: number, second: number): Scored[] => [
      { entry: pool, score: 20, coverage: best },
      { entry: gym, score: 5, coverage: second },
    ];
    expect(decide(ranked(0.45, 0.1))).toMatchObject({ confident: true, best: { entry: { title: pool.title } } });
    expect(decide(ranked(0.45, 0.2)).confident).toBe(false); // a gap of 0.25: not clear
    expect(decide(ranked(0.38, 0)).confident).toBe(false); // too little of the question
    expect(decide(ranked(0.7, 0.66)).confident).toBe(true); // covered: a small gap is enough
    // A real paraphrase that shares only some words with its entry, and none with the other.
    const hit = decide(createRetrieval(entries).search('周一下午游泳馆开吗，最晚到几点'));
    expect(hit.confident && hit.best.entry.title).toBe('区游泳馆每天几点到几点开放？');
  });

  it('does not depend on the unit names the process has taught its segmenter', () => {
    // The bot spots units before it looks a question up; the unit directory then teaches jieba 区游泳馆 as one word.
    // Retrieval segments with its own segmenter, so the same question gets the same answer in any order.
    const { entries } = parseKnowledgeFile('venues.md', FILE);
    addWords(['区游泳馆', '区体育馆'], 100_000);
    const hit = decide(createRetrieval(entries).search('周一下午游泳馆开吗，最晚到几点'));
    expect(hit.confident && hit.best.entry.title).toBe('区游泳馆每天几点到几点开放？');
  });
});

describe('which reports may be answered', () => {
  it('questions yes, complaints and grievances no', () => {
    expect(mayAnswerFromKnowledge('inquiry', '小学什么时候报名')).toBe(true);
    expect(mayAnswerFromKnowledge('suggestion', '体育馆周一开不开门')).toBe(true);
    expect(mayAnswerFromKnowledge('complaint', '体育馆周一开不开门')).toBe(true);
    expect(mayAnswerFromKnowledge('complaint', '食堂饭菜里有头发')).toBe(false);
    expect(mayAnswerFromKnowledge('inquiry', '体育馆明明写着9点开门，为什么9点半还不开？')).toBe(false);
    expect(mayAnswerFromKnowledge('inquiry', 'Why does nobody answer the phone at the admissions office?')).toBe(false);
    expect(looksLikeQuestion('When does registration start')).toBe(true);
  });

  it('reads traditional characters, 咋, 第几, 有没有 and a bare "…时间" as questions; "前几个月" is not one', () => {
    for (const text of ['在職老師可以在外面補課嗎', '區體育館幾點開門', '交的学费咋办', '户口在学区里能排第几', '幼儿园有没有贫困补助', '春节期间体育馆开放时间', '外地来的，社保要交满几个月']) {
      expect([text, looksLikeQuestion(text)]).toEqual([text, true]);
    }
    for (const text of ['前几个月交的钱', '食堂饭菜里有头发', '希望多开几片球场']) expect([text, looksLikeQuestion(text)]).toEqual([text, false]);
    expect(soundsLikeGrievance('培訓機構騙人')).toBe(true);
  });

  it('asks how many (几天, 几本), which of two (是…还是…) and yes or no (…不); "过几天" and "这几天" do not ask', () => {
    for (const text of ['每科最多能订几本辅导书', '公益课程一个人能报几门', '春节健身中心闭馆几天', '几级预警才停课', '教师资格证是区里认定还是市里认定', '孩子能读公立学校不']) {
      expect([text, looksLikeQuestion(text)]).toEqual([text, true]);
    }
    for (const text of ['过几天再去一趟', '这几天孩子一直发烧', '我是外地的，不', '还是没人来修']) expect([text, looksLikeQuestion(text)]).toEqual([text, false]);
  });

  it('"退不退", "收不收" ask; they are not the grievance "不退"; "管不管" stays one', () => {
    expect(soundsLikeGrievance('中途不上了没上的月份钱退不退')).toBe(false);
    expect(mayAnswerFromKnowledge('complaint', '延时服务费大概多少钱 中途不上了没上的月份钱退不退')).toBe(true);
    expect(soundsLikeGrievance('交了钱机构不退')).toBe(true);
    expect(soundsLikeGrievance('学校乱收费你们管不管')).toBe(true);
  });

  it('the offline classifier calls some bare questions chit-chat (the bot test of the same question relies on it)', async () => {
    const offline = createOfflineClassifier({ catalogue: loadCatalogue(), examples: loadExamples() });
    const labelled = await offline.classify('明年中考几号考？');
    expect(labelled.success && labelled.data.kind).toBe('chitchat');
  });

  it('questions the classifier calls chit-chat or praise yes; greetings and questions about the bot no, whatever the kind', () => {
    expect(mayAnswerFromKnowledge('chitchat', '请问游泳馆几点开门')).toBe(true);
    expect(mayAnswerFromKnowledge('praise', '谢谢老师！请问明年中考几号考？')).toBe(true);
    expect(mayAnswerFromKnowledge('chitchat', '哈哈好的')).toBe(false);
    expect(mayAnswerFromKnowledge('praise', '感谢王老师的耐心！')).toBe(false);
    for (const kind of ['chitchat', 'inquiry', 'complaint'] as const) {
      for (const text of ['你好，在吗？', '您好，请问有人吗？', '人工客服在不在', '你是机器人吗？', 'Hello, are you there?', 'Hi! Who are you?']) {
        expect([kind, text, mayAnswerFromKnowledge(kind, text)]).toEqual([kind, text, false]);
      }
    }
    expect(isSmallTalk('你好，请问体育馆周一开门吗')).toBe(false);
    expect(isSmallTalk('Hello, when does the pool open?')).toBe(false);
  });

  it('decides in linear time on hostile text', () => {
    const hostile = ['不'.repeat(50_000), '么 '.repeat(50_000), '呢'.repeat(50_000) + 'x', 'a'.repeat(100_000), '开不'.repeat(50_000), '\u200b'.repeat(50_000), '你好'.repeat(50_000), 'hello '.repeat(20_000) + 'x', 'thank '.repeat(20_000), 'good '.repeat(20_000)];
    for (const text of hostile) {
      const started = performance.now();
      looksLikeQuestion(text);
      soundsLikeGrievance(text);
      isSmallTalk(text);
      expect(performance.now() - started).toBeLessThan(200);
    }
  });
});

describe("the LLM answer's business check", () => {
  const [pool, gym] = parseKnowledgeFile('venues.md', FILE).entries as [never, never];

  it('accepts an answer whose numbers are all in the cited entries', () => {
    expect(checkKnowledgeAnswer({ answerable: true, answer: '周二至周日9:00–21:00开放。', cited_entry_ids: [(pool as { id: string }).id] }, [pool, gym])).toMatchObject({ answerable: true });
  });

  it('refuses invented numbers and dates, citations of entries not offered, and empty answers', () => {
    const id = (pool as { id: string }).id;
    expect(unsupportedNumbers('周二至周日9:00–22:30开放，5月10日起延长。', [pool])).toEqual(['22', '30', '5', '10']);
    expect(unsupportedNumbers('每周三天开放', [pool])).toEqual(['三']);
    expect(checkKnowledgeAnswer({ answerable: true, answer: '2027年3月1日起周一也开放。', cited_entry_ids: [id] }, [pool])).toEqual({ failed: 'number_not_in_entries' });
    expect(checkKnowledgeAnswer({ answerable: true, answer: '开放。', cited_entry_ids: ['venues:ffffffff'] }, [pool])).toEqual({ failed: 'cited_entry_not_offered' });
    expect(checkKnowledgeAnswer({ answerable: true, answer: '开放。', cited_entry_ids: [] }, [pool])).toEqual({ failed: 'no_citation' });
    expect(checkKnowledgeAnswer({ answerable: true, answer: '  ', cited_entry_ids: [id] }, [pool])).toEqual({ failed: 'empty_answer' });
    expect(checkKnowledgeAnswer({ answerable: false, answer: null, cited_entry_ids: [] }, [pool])).toEqual({ answerable: false });
  });
});
