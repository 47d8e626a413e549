import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { buildLedger } from '../../src/export/ledger.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';

/**
 * Issue 16: media in the ledger, listed by file id and by what was heard or seen, on their own sheet. A unit's
 * ledger lists its own problems' media without file ids and with personal data masked.
 */

const NOW = Date.UTC(2026, 10, 26, 4, 0);
const DAY = 86_400_000;
let db: Db;

function report(id: number, problemId: number, fields: Record<string, unknown> = {}): void {
  const row = { id, chat_id: 900 + id, message_id: id, resident_id: 1, text: null, reply_language: 'zh', received_at: NOW - DAY, state: 'classified', category: 'facilities', kind: 'complaint', urgent: 0, problem_id: problemId, ...fields };
  const keys = Object.keys(row);
  db.prepare(`INSERT INTO reports (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row);
}
function media(reportId: number, fields: Record<string, unknown>): void {
  const row = { report_id: reportId, kind: 'voice', file_id: `FILE-${reportId}`, duration: null, transcript: null, description: null, job_state: 'done', skip_reason: null, ...fields };
  const keys = Object.keys(row);
  db.prepare(`INSERT INTO report_media (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row);
}

beforeEach(() => {
  db = openDatabase(':memory:');
  createUnitRegistry(db, () => NOW); // the directory's units, which problems refer to
  db.prepare(`INSERT INTO residents (id, telegram_user_id, chat_id, language, created_at) VALUES (1, 1, 1, 'zh', 0)`).run();
  const problem = db.prepare(`INSERT INTO problems (id, title, category, status, responsible_unit_id, created_at, updated_at) VALUES (?, 't', 'facilities', 'assigned', ?, 0, 0)`);
  problem.run(1, 'yz');
  problem.run(2, null);
  report(1, 1, { text: '围栏倒了，电话13812345678' });
  media(1, { duration: 12, transcript: '围栏倒了，电话13812345678' });
  report(2, 1, { text: '三年级教室\n📷 天花板掉了一块' });
  media(2, { kind: 'photo', description: '天花板掉了一块' });
  report(3, 2);
  media(3, { duration: 400, job_state: 'skipped', skip_reason: 'too_long' });
  report(4, 2, { text: '吃了吗', kind: 'chitchat' });
  media(4, { kind: 'photo' });
  report(5, 2);
  media(5, { file_id: null, job_state: 'skipped', skip_reason: 'erased' });
});

afterEach(() => db.close());

async function mediaSheet(unitIds?: string[]): Promise<unknown[][]> {
  const units = createUnitRegistry(db, () => NOW);
  const built = await buildLedger(db, { period: 'all', units, catalogue: loadCatalogue(), timezone: 'Asia/Shanghai', now: NOW, ...(unitIds && { unitIds }) });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(built.xlsx as never);
  const sheet = workbook.getWorksheet('语音与图片')!;
  const out: unknown[][] = [];
  sheet.eachRow((row) => out.push(Array.from({ length: sheet.columnCount }, (_, i) => (row.values as unknown[])[i + 1] ?? '')));
  return out;
}

describe('media in the ledger', () => {
  it('lists each voice note and photo by file id with its transcript or description; chit-chat stays out', async () => {
    const rows = await mediaSheet();
    expect(rows[0]).toEqual(['反映编号', '问题编号', '收到时间', '类型', '时长（秒）', '文件ID', '转写/图片描述', '处理情况']);
    const body = rows.slice(1).map((r) => [r[0], r[1], r[3], r[4], r[5], r[6], r[7]]);
    expect(body).toEqual([
      [1, 1, '语音', 12, 'FILE-1', '围栏倒了，电话13812345678', '已转写/已描述'],
      [2, 1, '图片', '', 'FILE-2', '天花板掉了一块', '已转写/已描述'],
      [3, 2, '语音', 400, 'FILE-3', '', '过长，未转写'],
      [5, 2, '语音', '', '', '', '已删除'],
    ]);
  });

  it('a unit’s ledger: only its problems’ media, no file ids, phone numbers masked', async () => {
    const rows = await mediaSheet(['yz']);
    expect(rows.slice(1).map((r) => r[0])).toEqual([1, 2]);
    expect(rows.slice(1).map((r) => r[5])).toEqual(['', '']);
    expect(String(rows[1]![6])).not.toContain('13812345678');
    expect(String(rows[1]![6])).toContain('围栏倒了');
  });
});
