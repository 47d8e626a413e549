import { afterEach, describe, expect, it } from 'vitest';
import { buttonsOf, createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText, privateText, resident } from '../support/updates.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
const problemOf = (chatId: number) => h.app.db.prepare('SELECT problem_id FROM reports WHERE chat_id = ? ORDER BY id DESC').pluck().get(chatId) as number;
const acks = (chatId: number) => h.app.db.prepare(`SELECT payload FROM outbox WHERE chat_id = ? AND kind = 'ack' ORDER BY id`).pluck().all(chatId).map((p) => String(JSON.parse(p as string).html));

describe('"others reported it too" (issue 11)', () => {
  it('a report joining a problem tells its resident how many others reported it, counting residents, never naming them', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '实验小学厕所的水龙头坏了一个月了'));
    expect(acks(1)[0]).not.toContain('位居民');
    await h.send(privateText(resident(2), '实验小学厕所水龙头坏了很久，一直没人修'));
    const id = problemOf(1);
    expect(problemOf(2)).toBe(id);
    expect(acks(2)[0]).toContain('已有 1 位居民反映了同一问题，已合并跟进');
    await h.send(privateText(resident(3, 'en'), 'The toilet taps at Experimental Primary School have been broken for a month'));
    expect(problemOf(3)).toBe(id);
    expect(acks(3)[0]).toContain('2 other residents have reported the same problem; we are following it up together.');
    // The same resident again: the others are still the two others, not three.
    await h.send(privateText(resident(1), '实验小学厕所水龙头还是坏的，到底什么时候修'));
    expect(problemOf(1)).toBe(id);
    expect(acks(1).at(-1)).toContain('已有 2 位居民反映了同一问题');
    for (const ack of [...acks(2), ...acks(3)]) expect(ack).not.toMatch(/Resident \d|resident:\d/);

    // Everyone on the problem gets the same notices and the same survey.
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学 2030-01-31`));
    for (const chat of [1, 2, 3]) expect(h.texts(chat).at(-1)).toMatch(/已交由|assigned|passed/i);
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${id} 已更换全部水龙头`));
    for (const chat of [1, 2, 3]) expect(h.texts(chat).at(-1)).toContain('已更换全部水龙头');
    const survey = h.sent(3).at(-1)!;
    expect(String(survey.payload.text)).toContain('Is it really fixed?');
    expect(h.buttons(3)).toEqual(buttonsOf(survey));
    const fixed = await h.press(3, resident(3, 'en'), (b) => b.callback_data.endsWith(':fixed'));
    expect(h.app.db.prepare('SELECT fixed FROM feedback WHERE report_id = ?').pluck().get(Number(fixed.callback_data.split(':')[2]))).toBe('fixed');
  });
});

describe('subtopics (议题) in staff views', () => {
  it('/problem shows category › subtopic and a ledger title; /problems filters by subtopic id or name; the export has 议题', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第一中学作业太多了，孩子每天写到晚上十一点'));
    await h.send(privateText(resident(2), '实验小学食堂的饭菜太难吃了，孩子都不想吃'));
    const homework = problemOf(1);
    const food = problemOf(2);
    expect(h.app.problems.get(homework)!.subtopic).toBe('study_burden.homework');
    // A ledger line: the unit and the matter, not the resident's whole sentence.
    expect(h.app.problems.get(food)!.title).toBe('实验小学食堂的饭菜太难吃了');

    await h.send(groupText(STAFF_CHAT, staffMember, `/problem ${homework}`));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('类别：课业负担 › 作业过多');

    for (const filter of ['作业过多', 'study_burden.homework', 'Too much homework']) {
      await h.send(groupText(STAFF_CHAT, staffMember, `/problems ${filter}`));
      const list = h.texts(STAFF_CHAT).at(-1)!;
      expect(list, filter).toContain(`#${homework}`);
      expect(list, filter).not.toContain(`#${food}`);
      expect(list, filter).toContain('课业负担 › 作业过多');
    }
    // The other filters still work.
    await h.send(groupText(STAFF_CHAT, staffMember, '/problems 食堂餐饮'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${food}`);
    expect(h.texts(STAFF_CHAT).at(-1)).not.toContain(`#${homework}`);
    await h.send(groupText(STAFF_CHAT, staffMember, '/problems 饭菜质量与温度'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${food}`);

    // Paging buttons carry the subtopic; forged ones change nothing.
    const pages = h.calls.length;
    await h.send(callback(STAFF_CHAT, staffMember, 'pl:t.study_burden.homework:1'));
    expect(h.calls.slice(pages).some((c) => c.method === 'editMessageText' && String(c.payload.text).includes(`#${homework}`))).toBe(true);
    for (const forged of ['pl:t.nosuch.thing:1', `pl:t.${'a'.repeat(50)}:1`, 'pl:t.:1', 'pl:t.study_burden:1']) {
      const before = h.calls.length;
      await h.send(callback(STAFF_CHAT, staffMember, forged));
      expect(h.calls.slice(before).filter((c) => c.method === 'editMessageText'), forged).toEqual([]);
    }

    await h.send(groupText(STAFF_CHAT, staffMember, '/export all'));
    const csv = h.sent(STAFF_CHAT).filter((c) => c.method === 'sendDocument').at(-1)!;
    const raw = await (csv.payload.document as { toRaw(): Promise<Uint8Array> }).toRaw();
    const rows = Buffer.from(raw).toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((line) => line.split(','));
    const at = rows[0]!.indexOf('议题');
    expect(at).toBe(rows[0]!.indexOf('类别') + 1);
    const byId = new Map(rows.slice(1).map((r) => [Number(r[0]), r[at]]));
    expect(byId.get(homework)).toBe('作业过多');
    expect(byId.get(food)).toBe('饭菜质量与温度');
  });
});
