import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// npm run eval:kb as operators run it: the oracle mode (the LLM path's upper bound) and both markings of a complaint.
const ROOT = join(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'minyi-eval-kb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function evalKb(lines: object[], ...flags: string[]): Promise<Record<string, unknown>> {
  const file = join(dir, `set-${flags.join('')}.jsonl`);
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  // No model configured: the environment is emptied of OPENAI_* so a developer's .env cannot make this a paid run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENAI_')));
  const { stdout } = await promisify(execFile)(TSX, [join(ROOT, 'src/cli/eval-kb.ts'), file, '--offline', '--json', '--today', '2026-12-05', ...flags], { cwd: dir, env: { ...env, KNOWLEDGE_DIR: join(ROOT, 'prompts/knowledge') } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const LINES = [
  // The words say little, BM25 still ranks it in its top four: the offline rule abstains, a right model answers.
  { text: '学区范围在哪里能看到 网上能查不', entry: '怎么查我家房子划在哪个学校的学区？' },
  { text: '2027年小学一年级什么时候报名？', entry: '2027年小学一年级什么时候报名？' },
  // Ranked below the top four by the words: not offered, so not even a perfect model answers it.
  { text: '孩子上的英语班老板跑了 钱还能要回来吗', entry: '培训机构关门了，交的钱怎么退？' },
  { text: '青少年活动中心秋季班什么时候报名', entry: null },
  { text: '学校课后服务一学期收了600 不是说不超过300吗 多收的钱谁来管', entry: null, complaint: true },
  { text: '食堂饭菜里有头发，太恶心了', entry: null, kind: 'complaint' },
];

describe('npm run eval:kb', () => {
  it('--oracle scores a model that is right whenever the expected entry is offered: correct is recall@4, never a wrong answer', async () => {
    const offline = await evalKb(LINES);
    const oracle = await evalKb(LINES, '--oracle');
    expect(offline).toMatchObject({ oracle: false, complaints: 2 });
    expect(oracle).toMatchObject({ oracle: true, correct_rate: 2 / 3, wrong_rate: 0, out_of_base_answered_rate: 0, complaints: 2, complaints_answered: 0 });
    expect(oracle.answered_by).toEqual({ offline: 0, llm: 2 });
    expect(offline.correct_rate as number).toBeLessThan(1);
  }, 60_000);

  it('scores suggestions: the expected entry among them, answered or picked, out-of-base questions and complaints that got them', async () => {
    const score = await evalKb([
      // No entry is confident; the expected one is among the suggestions.
      { text: '哪里能查到正规的培训机构名单', entry: '怎么知道一家校外培训机构是不是合法的？' },
      { text: '培训班让充五千送十节课，合规吗', entry: '校外培训机构一次最多能收多少钱？' },
      { text: '2027年小学一年级什么时候报名？', entry: '2027年小学一年级什么时候报名？' },
      // Out of base, but close to the swimming and tutoring entries: it gets suggestions.
      { text: '区里有没有游泳培训班，教小孩游泳的', entry: null },
      { text: '食堂饭菜里有头发，太恶心了', entry: null, kind: 'complaint' },
    ]);
    expect(score).toMatchObject({ correct_rate: 1 / 3, wrong_rate: 0, suggested_correct: 1, answered_or_picked: 1, out_of_base_suggested: 0.5, complaints_suggested: 0 });
  }, 60_000);
});

