import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createProblemQueries, type ProblemQueries } from '../../src/problems/problem-queries.ts';
import { createHarness, STAFF_CHAT } from '../support/harness.ts';
import { groupText, privateText, resident } from '../support/updates.ts';

/**
 * /search with hostile words: NUL and other control characters, lone surrogates, lone quotes and FTS5 syntax
 * (`"`, `NEAR(`, `*`, `-`, `:`, `^`, AND/OR/NOT) never throw, and what is written literally in a report is found
 * literally (the words are data, never query syntax). Real SQLite with the real migrations (the trigram index).
 */

let db: Db;
let queries: ProblemQueries;
const at = Date.UTC(2025, 0, 6);

function addReport(text: string): number {
  const problem = Number(
    db
      .prepare(`INSERT INTO problems (title, category, created_at, updated_at, last_report_at, report_count) VALUES ('食堂问题', 'food', ?, ?, ?, 1)`)
      .run(at, at, at).lastInsertRowid,
  );
  db.prepare(`INSERT INTO reports (chat_id, message_id, text, reply_language, received_at, problem_id) VALUES (1, ?, ?, 'zh', ?, ?)`).run(problem, text, at, problem);
  return problem;
}

beforeAll(() => {
  db = openDatabase(':memory:');
  queries = createProblemQueries(db);
  for (const text of ['第一中学食堂的饭菜太咸了', 'The gym showers are cold', '实验小学门口放学时太堵了', 'price "NEAR(fees) x*y -z a:b" odd']) addReport(text);
});

afterAll(() => db.close());

/** Pieces an attacker (or a clumsy paste) puts in a search. */
const hostilePiece = fc.oneof(
  fc.constantFrom('\0', '\u0001', '\u0007', '\u001f', '\u007f', '\u0085', '\ud800', '\udfff', '"', "'", '""', 'NEAR(', ')', '(', '*', '-', ':', '^', '+', '{', '}', 'AND', 'OR', 'NOT', '%', '_', '\\', '\u200b', '食堂', 'gym', ' ', '\n', '\t'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const hostileWords = fc.array(hostilePiece, { minLength: 1, maxLength: 12 }).map((pieces) => pieces.join(''));

describe('/search with hostile words', () => {
  it('the hand-picked ones that used to throw do not', () => {
    for (const words of ['abc\0def', '食堂\0饭菜', '\0', '"', 'NEAR(食堂', '食堂*', '-食堂', 'text:食堂', '"食堂', "食堂'", '\u0001\u0002饭菜太咸']) {
      expect(() => queries.search(words, 20), JSON.stringify(words)).not.toThrow();
    }
    // The words around a NUL are still looked for.
    expect(queries.search('饭菜太\0咸了', 20).map((p) => p.title)).toEqual(['食堂问题']);
  });

  it('never throws and stays fast, for any mix of control characters, quotes and FTS5 syntax', () => {
    let slowest = 0;
    fc.assert(
      fc.property(hostileWords, (words) => {
        const started = performance.now();
        const found = queries.search(words, 20);
        slowest = Math.max(slowest, performance.now() - started);
        expect(Array.isArray(found)).toBe(true);
      }),
      { numRuns: 2_000, seed: 1414 },
    );
    console.log(`[search] 2000 hostile searches, slowest ${slowest.toFixed(1)} ms`);
    expect(slowest).toBeLessThan(200);
  });

  it('finds FTS5 syntax written literally in a report, as text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('"', 'NEAR(', ')', '*', '-', ':', '^', 'AND', 'OR', 'x', '食'), { minLength: 3, maxLength: 6 }).map((p) => p.join('')),
        (term) => {
          const problem = addReport(`前缀 ${term} 后缀`);
          expect(queries.search(term, 500).map((p) => p.id)).toContain(problem);
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });

  it('in the staff chat, /search with a NUL answers instead of failing', async () => {
    const h = await createHarness();
    try {
      await h.send(privateText(resident(62_001), '第一中学食堂的饭菜太咸了，孩子吃不下'));
      await h.send(groupText(STAFF_CHAT, { id: 7_001, first_name: 'Staff', language_code: 'zh-hans' }, '/search 饭菜\0太咸'));
      const answer = h.texts(STAFF_CHAT).at(-1) ?? '';
      expect(answer).toContain('#1');
    } finally {
      await h.close();
    }
  });
});
