import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BotProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (JSON log lines). */
  output(): string;
  /** SIGKILL: no shutdown, no flush — what a crash or `kill -9` does. */
  kill9(): Promise<void>;
  /** SIGTERM, then wait for a clean exit. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Start the bot the way an operator does (`npm start` runs `tsx src/main.ts`), with an environment that
 * points it at the local stand-ins. Nothing else is inherited from the test's environment but PATH/HOME.
 */
export function startBotProcess(env: Record<string, string>): BotProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Resolve when `check` holds, polling; reject with `describe()` after the timeout. */
export async function eventually(check: () => boolean, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
