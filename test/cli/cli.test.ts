import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
// No LLM key reaches the tools: they must work offline right after npm ci.
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
const tool = (script: string, args: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', script), ...args], { cwd: ROOT, env }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

let dir: { dir: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

describe('command-line tools', () => {
  it('npm run classify prints the classification as JSON', async () => {
    const { code, stdout } = await tool('classify.ts', ['--offline', '一中食堂的饭菜里有头发']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ category: 'food', kind: 'complaint', urgent: false, language: 'zh', classifier: 'offline' });
  });

  it('npm run eval scores a labelled file and prints JSON with the documented keys', async () => {
    const file = join(dir.dir, 'labelled.jsonl');
    writeFileSync(
      file,
      [
        { text: '一中食堂的饭菜里有头发', category: 'food', kind: 'complaint', urgent: false },
        { text: '实验小学门口放学太堵了', category: 'transport', kind: 'complaint', urgent: false },
        { text: '老师打学生耳光，孩子脸都肿了', category: 'teacher_conduct', kind: 'complaint', urgent: true },
        // Deliberately mislabelled: the score must notice.
        { text: '区体育馆周末开放时间太短', category: 'enrollment', kind: 'complaint', urgent: false },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const { code, stdout } = await tool('eval.ts', [file, '--offline', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, number> & { per_category: Record<string, unknown> };
    for (const key of ['n', 'accuracy', 'macro_f1', 'per_category', 'kind_accuracy', 'urgent_precision', 'urgent_recall']) expect(report).toHaveProperty(key);
    expect(report.n).toBe(4);
    expect(report.accuracy).toBeCloseTo(0.75);
    expect(report.urgent_recall).toBe(1);

    const listed = await tool('eval.ts', [file, '--offline', '--mistakes']);
    expect(listed.code).toBe(0);
    const misses = listed.stdout.split('\n').filter((line) => line.startsWith(file));
    expect(misses).toEqual([`${file}:4: expected enrollment, got sports: 区体育馆周末开放时间太短`]);
  });

  it('npm run eval names the line of a bad input', async () => {
    const file = join(dir.dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ text: 'x', category: 'food', kind: 'complaint', urgent: false })}\n{"text":"y","category":"food","kind":"rant","urgent":false}\n`);
    const { code, stderr } = await tool('eval.ts', [file]);
    expect(code).toBe(2);
    expect(stderr).toContain(':2:');
    expect(stderr).toContain('kind');
  });
});
