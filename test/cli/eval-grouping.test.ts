import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
// No LLM key reaches the tool: it runs offline, and nothing but this process is involved.
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
const tool = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'eval-grouping.ts'), ...args], { cwd: ROOT, env }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

// Three matters; "hair" is worded three ways at 一中, once naming the school only in the form's unit field.
const STREAM = [
  { text: '一中食堂的饭菜里有头发', problem: 'hair', day: 0 },
  { text: '一中食堂的饭菜里有头发', problem: 'hair', day: 0 },
  { text: '实验小学门口放学太堵了', problem: 'traffic', day: 1 },
  { text: '第一中学食堂的菜里吃出了虫子，太恶心', problem: 'hair', day: 2 },
  { text: '食堂饭菜里又吃出头发了', problem: 'hair', day: 3, unit: '第一中学' },
  { text: '食堂的饭一份涨到十五块了，太贵', problem: 'price', day: 3, unit: '一中' },
  // Worded with no word of the matter in common: the offline rule keeps it apart, a model that decides well does not.
  { text: '一中的午饭不干净，孩子不敢吃', problem: 'hair', day: 4 },
];

let dir: { dir: string; cleanup: () => void };
let file: string;
beforeEach(() => {
  dir = tempDir();
  file = join(dir.dir, 'stream.jsonl');
  writeFileSync(file, STREAM.map((l) => JSON.stringify(l)).join('\n') + '\n');
});
afterEach(() => dir.cleanup());

describe('npm run eval:grouping', () => {
  it('feeds a stream through the pipeline and scores the problems it made against the truth', async () => {
    const offline = await tool([file, '--offline', '--json']);
    expect(offline.code).toBe(0);
    const score = JSON.parse(offline.stdout) as Record<string, number> & { classified_by: { offline: number }; worst_splits: Array<{ id: string }>; worst_merges: unknown[] };
    for (const key of ['n', 'true_problems', 'predicted_problems', 'pair_precision', 'pair_recall', 'bcubed_precision', 'bcubed_recall', 'bcubed_f1']) expect(score).toHaveProperty(key);
    expect(score).toMatchObject({ n: 7, true_problems: 3, classified_by: { offline: 7 } });
    // Same unit and same subtopic join however worded; the report with no word of the matter in common stays apart.
    expect(score.predicted_problems).toBeGreaterThan(3);
    expect(score.pair_precision).toBe(1);
    expect(score.pair_recall).toBeGreaterThan(0);
    expect(score.pair_recall).toBeLessThan(1);
    expect(score.worst_splits[0]!.id).toBe('hair');
    expect(score.worst_merges).toEqual([]);
  }, 180_000);

  it('with --oracle, groups correctly whatever is offered: same unit (also from the unit field) and category, never another matter', async () => {
    const oracle = await tool([file, '--offline', '--oracle', '--json']);
    expect(oracle.code).toBe(0);
    const score = JSON.parse(oracle.stdout) as Record<string, number>;
    expect(score).toMatchObject({ n: 7, true_problems: 3, predicted_problems: 3, pair_precision: 1, pair_recall: 1, bcubed_f1: 1 });

    const text = await tool([file, '--offline', '--oracle']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('predicted problems:  3');
    expect(text.stdout).toMatch(/B-cubed\s+precision 100\.0%\s+recall 100\.0%/);
  }, 180_000);

  it('names the line of a bad input and refuses lines out of arrival order', async () => {
    writeFileSync(file, `${JSON.stringify(STREAM[0])}\n{"text":"y","day":1}\n`);
    const missing = await tool([file, '--offline']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(':2: problem');

    writeFileSync(file, `${JSON.stringify({ ...STREAM[0], day: 5 })}\n${JSON.stringify(STREAM[2])}\n`);
    const backwards = await tool([file, '--offline']);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain(':2: day goes back');
  }, 180_000);
});
