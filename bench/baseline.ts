import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { createBotApiEmulator } from '../src/emulator/bot-api-emulator.ts';
import type { ResultSet } from './lib/results.ts';
import { repeat } from './lib/stats.ts';

/**
 * Fixed workloads measured in the same run as everything else. Machines (and neighbours on a shared one)
 * differ; a figure divided by its baseline travels better than the figure itself.
 *
 * - cpu: JSON, hashing and a regular expression over a fixed text (single-threaded JavaScript).
 * - sqlite: an in-memory table of 50,000 rows built, indexed, point-queried 2,000 times and aggregated.
 * - http: one no-op Bot API call (getMe) to the local emulator over a kept-alive connection.
 */
export async function measureBaselines(results: ResultSet, options: { quick: boolean }): Promise<void> {
  const runs = options.quick ? 5 : 9;

  const text = '第一中学食堂的饭菜里有头发，孩子回家说肚子疼，已经不是第一次了。The canteen food smelled rotten. '.repeat(20);
  const cpu = await repeat(runs, 2, () => {
    let acc = 0;
    for (let i = 0; i < 2_000; i++) {
      const record = JSON.parse(JSON.stringify({ i, text, tags: ['food', 'urgent'], at: 1_795_000_000_000 + i })) as { text: string };
      acc += createHash('sha256').update(record.text).digest()[0]!;
      acc += /头发|rotten/g.exec(record.text)?.index ?? 0;
    }
    return acc;
  });
  results.setBaseline('cpu', { id: 'baseline.cpu', section: 'baseline', name: 'CPU: 2,000 × (JSON round trip + SHA-256 + regex) of 2 KB', unit: 'ms', samples: cpu });

  const sqlite = await repeat(runs, 1, () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 50_000; i++) insert.run((i * 7919) % 10_007, `row ${i} 第${i}条`);
    })();
    db.exec('CREATE INDEX t_k ON t (k)');
    const point = db.prepare('SELECT v FROM t WHERE k = ? LIMIT 1').pluck();
    for (let i = 0; i < 2_000; i++) point.get((i * 31) % 10_007);
    db.prepare('SELECT k % 100 AS g, COUNT(*), MAX(length(v)) FROM t GROUP BY g').all();
    db.close();
  });
  results.setBaseline('sqlite', { id: 'baseline.sqlite', section: 'baseline', name: 'SQLite: build, index, 2,000 point queries and a GROUP BY over 50,000 rows (in memory)', unit: 'ms', samples: sqlite });

  const telegram = createBotApiEmulator();
  await telegram.start();
  try {
    const url = `${telegram.apiRoot}/bot123456:baseline/getMe`;
    const http: number[] = [];
    for (let i = 0; i < (options.quick ? 100 : 300); i++) {
      const started = performance.now();
      const response = await fetch(url);
      await response.json();
      if (i >= 20) http.push(performance.now() - started);
    }
    results.setBaseline('http', { id: 'baseline.http', section: 'baseline', name: 'HTTP: getMe round trip to the local Bot API emulator', unit: 'ms', samples: http });
  } finally {
    await telegram.stop();
  }
}
