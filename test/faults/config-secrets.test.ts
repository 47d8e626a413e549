import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A secret pasted into the wrong variable (issue 14): the configuration error names the variable and may
 * echo its value, but never a token, key or webhook secret — whether the value has a known secret shape
 * or only equals the raw secret set elsewhere. Checked on the real entry points, as an operator runs them.
 */

const ROOT = join(import.meta.dirname, '..', '..');
// By path: the working directory below has no node_modules.
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
// An empty working directory: no .env of the developer's is read.
const CWD = mkdtempSync(join(tmpdir(), 'minyi-config-secrets-'));
afterAll(() => rmSync(CWD, { recursive: true, force: true }));

function run(script: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, script), ...args], {
      cwd: CWD,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', DATABASE_PATH: join(CWD, 'x.sqlite'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Shapes the logger knows, and values only their raw form can reveal (no known shape).
const SHAPED_TOKEN = '123456:AAEhBOweik9ai2o4kSTIitTQlDnhIa1ZbmQ';
const PLAIN_TOKEN = '77:plainsecrethalf';
const SHAPED_KEY = 'sk-proj-Zq8u2b1c4d5e6f7g8h9i0jklmnopq';
const PLAIN_KEY = 'gateway-key-4f9a1c77e2';
const PLAIN_WEBHOOK_SECRET = 'hook-secret-ab12cd34';

const cases: Array<{ name: string; env: Record<string, string>; secrets: string[] }> = [
  { name: 'bot token in TELEGRAM_API_ROOT (BotFather shape)', env: { BOT_TOKEN: SHAPED_TOKEN, TELEGRAM_API_ROOT: `api.telegram.org/bot${SHAPED_TOKEN}` }, secrets: [SHAPED_TOKEN, SHAPED_TOKEN.split(':')[1]!] },
  { name: 'bot token in TELEGRAM_API_ROOT, BOT_TOKEN unset', env: { TELEGRAM_API_ROOT: `api.telegram.org/bot${SHAPED_TOKEN}` }, secrets: [SHAPED_TOKEN.split(':')[1]!] },
  { name: 'an unshaped bot token in TELEGRAM_API_ROOT', env: { BOT_TOKEN: PLAIN_TOKEN, TELEGRAM_API_ROOT: PLAIN_TOKEN }, secrets: ['plainsecrethalf'] },
  { name: 'API key in OPENAI_BASE_URL (OpenAI shape)', env: { OPENAI_API_KEY: SHAPED_KEY, OPENAI_BASE_URL: SHAPED_KEY }, secrets: [SHAPED_KEY, SHAPED_KEY.slice(3)] },
  { name: 'an unshaped gateway key in OPENAI_BASE_URL', env: { OPENAI_API_KEY: PLAIN_KEY, OPENAI_BASE_URL: ` ${PLAIN_KEY}` }, secrets: [PLAIN_KEY] },
  { name: 'webhook secret in WEBHOOK_URL', env: { BOT_TOKEN: SHAPED_TOKEN, WEBHOOK_SECRET: PLAIN_WEBHOOK_SECRET, WEBHOOK_URL: PLAIN_WEBHOOK_SECRET }, secrets: [PLAIN_WEBHOOK_SECRET, SHAPED_TOKEN] },
];

describe('configuration errors never print a secret', () => {
  for (const c of cases) {
    it(`npm start: ${c.name}`, async () => {
      const { code, stderr, stdout } = await run('src/main.ts', c.env);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^Configuration error: [A-Z_]+: /);
      for (const secret of c.secrets) expect(stderr + stdout).not.toContain(secret);
    }, 30_000);
  }

  it('a command-line tool (npm run classify): unshaped token and key in the wrong variables', async () => {
    const envs: Array<Record<string, string>> = [
      { BOT_TOKEN: PLAIN_TOKEN, OPENAI_API_KEY: 'k', TELEGRAM_API_ROOT: PLAIN_TOKEN },
      { OPENAI_API_KEY: PLAIN_KEY, OPENAI_BASE_URL: PLAIN_KEY },
    ];
    for (const env of envs) {
      const { code, stderr, stdout } = await run('src/cli/classify.ts', env, ['学校食堂饭菜不卫生']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^Configuration error: [A-Z_]+: .*\(got "/);
      expect(stderr + stdout).not.toContain('plainsecrethalf');
      expect(stderr + stdout).not.toContain(PLAIN_KEY);
    }
  }, 60_000);

  it('still names the variable and echoes a harmless value', async () => {
    const { stderr } = await run('src/main.ts', { TELEGRAM_API_ROOT: 'api.telegram.org' });
    expect(stderr).toContain('TELEGRAM_API_ROOT');
    expect(stderr).toContain('(got "api.telegram.org")');
  }, 30_000);
});
