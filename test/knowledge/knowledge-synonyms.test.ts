import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeText } from '../../src/classify/offline/text-features.ts';
import { parseKnowledgeFile } from '../../src/knowledge/knowledge-base.ts';
import { createKnowledgeFolder, readSynonyms } from '../../src/knowledge/knowledge-folder.ts';
import { createRetrieval, decide, decideByLanguage, rankByLanguage } from '../../src/knowledge/retrieval.ts';
import { createSynonyms, parseSynonyms } from '../../src/knowledge/synonyms.ts';

const NOW = () => Date.parse('2026-12-04T02:00:00Z');
const sampleFolder = () => createKnowledgeFolder({ dir: 'prompts/knowledge/', timezone: 'Asia/Shanghai', now: NOW });
const answerOf = (folder: ReturnType<typeof sampleFolder>, question: string) => {
  const d = folder.match(question);
  return d.confident ? d.best.entry.title : null;
};

describe('the synonym table', () => {
  const synonyms = createSynonyms([
    ['网上报名', '网报', '线上报名'],
    ['游泳馆', '泳池', '泳馆', 'swimming pool', 'pool'],
  ]);

  it('reads every variant as its group\'s first word, longest first, whole words in English', () => {
    expect(synonyms.rewrite('一年级网报几号截止')).toBe('一年级网上报名几号截止');
    // The canonical word is kept as it is: 泳馆 inside 游泳馆 is not rewritten again.
    expect(synonyms.rewrite('游泳馆和泳池')).toBe('游泳馆和游泳馆');
    expect(synonyms.rewrite('the swimming pool opens')).toBe('the  游泳馆  opens');
    expect(synonyms.rewrite('carpooling to the pool')).toBe('carpooling to the  游泳馆 ');
  });

  it('a bad file gives one problem line and no synonyms; the base still answers', () => {
    expect(parseSynonyms('{"groups": [["只有一个"]]}', normalizeText).problems).toEqual(['synonyms.json: groups.0: a group needs at least two words']);
    expect(parseSynonyms('not json', normalizeText).problems).toEqual(['synonyms.json: not valid JSON']);
    const dir = mkdtempSync(join(tmpdir(), 'minyi-kb-syn-'));
    try {
      cpSync('prompts/knowledge', dir, { recursive: true });
      writeFileSync(join(dir, 'synonyms.json'), '{ broken');
      const folder = createKnowledgeFolder({ dir, timezone: 'Asia/Shanghai', now: NOW });
      expect(folder.snapshot().problems).toEqual(['synonyms.json: not valid JSON']);
      expect(answerOf(folder, '2027年小学一年级什么时候报名？')).toBe('2027年小学一年级什么时候报名？');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rewrites hostile text in linear time', () => {
    const table = readSynonyms('prompts/knowledge/').synonyms;
    for (const text of ['网'.repeat(100_000), 'pool '.repeat(40_000), '几点'.repeat(50_000), 'a'.repeat(200_000)]) {
      const started = performance.now();
      table.rewrite(normalizeText(text));
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});

describe('retrieval with the bureau\'s synonyms and other phrasings', () => {
  it('answers a resident\'s own words for an entry\'s words (泳池 / 游泳馆, 几点关门 / 开放时间)', () => {
    const folder = sampleFolder();
    expect(answerOf(folder, '泳池几点开门？周一开吗')).toBe('区游泳馆每天几点到几点开放？');
    expect(answerOf(folder, '少年宫春季班什么时候报名？')).toBe('青少年活动中心春季公益班怎么报名？');
  });

  it('an `别名：` line is matched but never part of the answer; a long alias is reported with its line', () => {
    const file = '# t\n\n## 区体育馆几点开门？\n9:00–21:00。\n别名：体育馆周一开吗；sports hall hours\n来源：公告\n';
    const [entry] = parseKnowledgeFile('t.md', file).entries;
    expect(entry).toMatchObject({ body: '9:00–21:00。', aliases: ['体育馆周一开吗', 'sports hall hours'], source: '公告' });
    const retrieval = createRetrieval([entry!]);
    expect(decide(retrieval.search('sports hall hours')).confident).toBe(true);
    expect(parseKnowledgeFile('t.md', `## 问？\n答。\n别名：${'长'.repeat(201)}\n`).problems).toEqual(['t.md:3: alias longer than 200 characters']);
  });

  it('an English question gets the English entry when there is one, else the Chinese one; a Chinese question never an English one', () => {
    const file = [
      '## 区游泳馆每天几点到几点开放？', '周二至周日 9:00–21:00。',
      '## 区体育场的跑道是免费开放的吗？', '是，每天6:00–8:30免费开放。',
      "## What are the Swimming Pool's opening hours?", 'Tuesday to Sunday 9:00–21:00.',
    ].join('\n');
    const retrieval = createRetrieval(parseKnowledgeFile('v.md', file).entries, readSynonyms('prompts/knowledge/').synonyms);
    const answer = (q: string) => {
      const d = decideByLanguage(rankByLanguage(retrieval, q));
      return d.confident ? d.best.entry.title : null;
    };
    expect(answer('What time does the swimming pool open?')).toBe("What are the Swimming Pool's opening hours?");
    expect(answer('Is the running track free?')).toBe('区体育场的跑道是免费开放的吗？');
    expect(answer('游泳馆几点开门')).toBe('区游泳馆每天几点到几点开放？');
    // Answered offline from the Chinese entry, the model is still offered the English entries first.
    const d = decideByLanguage(rankByLanguage(retrieval, 'Is the running track free like the swimming pool?'));
    expect(d.ranked.map((s) => s.entry.language)).toEqual(['en', 'zh', 'zh']);
  });

  it('still abstains on a topic the base does not hold, even phrased like an entry', () => {
    const folder = sampleFolder();
    expect(answerOf(folder, '今年城关区马拉松什么时候报名')).toBeNull();
    expect(answerOf(folder, '游泳馆可以带游泳圈进去吗')).toBeNull();
  });
});
