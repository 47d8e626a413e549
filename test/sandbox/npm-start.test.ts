import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.ts';

/**
 * `npm start` on a fresh machine, without BOT_TOKEN: the real entry point in a child process. It runs
 * in an empty working directory, so no .env is read and ./data is the temporary directory's.
 */

const ROOT = join(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

let child: ChildProcess | undefined;
let cleanup: (() => void) | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  cleanup?.();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface LogLine {
  msg: string;
  url?: string;
}

/** Collects the child's JSON log lines and resolves when one matches. */
function waitForLog(process: ChildProcess, match: (line: LogLine) => boolean, lines: LogLine[], timeoutMs = 20_000): Promise<LogLine> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; got:\n${lines.map((l) => l.msg).join('\n')}\n${stderr}`)), timeoutMs);
    process.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    process.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const part of parts) {
        if (!part.trim()) continue;
        const line = JSON.parse(part) as LogLine;
        lines.push(line);
        if (match(line)) {
          clearTimeout(timer);
          resolve(line);
        }
      }
    });
    process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the process exited with ${code} before logging the line:\n${stderr}`));
    });
  });
}

describe('npm start without BOT_TOKEN', () => {
  it('runs the local sandbox, serves the page, and keeps its own database', async () => {
    const dir = tempDir();
    cleanup = dir.cleanup;
    const port = await freePort();
    child = spawn(TSX, [join(ROOT, 'src/main.ts')], {
      cwd: dir.dir,
      env: { PATH: process.env.PATH, HOME: dir.dir, SANDBOX_PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: LogLine[] = [];
    const ready = await waitForLog(child, (line) => line.msg.startsWith('sandbox ready'), lines);

    expect(lines.map((l) => l.msg)).toContain('running the local sandbox; set BOT_TOKEN to connect to Telegram');
    expect(ready.url).toBe(`http://127.0.0.1:${port}`);
    expect(ready.msg).toContain(`http://127.0.0.1:${port}`);

    const page = await fetch(`${ready.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Minyi sandbox');
    const world = (await (await fetch(`${ready.url}/sandbox.json`)).json()) as { personas: Array<{ role: string }> };
    expect(world.personas.some((p) => p.role === 'staff')).toBe(true);

    expect(existsSync(join(dir.dir, 'data/sandbox.sqlite'))).toBe(true);
    expect(existsSync(join(dir.dir, 'data/minyi.sqlite'))).toBe(false);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
