import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import Database from 'better-sqlite3';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  /** 1-minute load average when the run started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end?: number };
}

export interface Versions {
  node: string;
  sqlite: string;
  betterSqlite3: string;
  grammy: string;
  openai: string;
  gptTokenizer: string;
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    // Packages whose exports hide package.json: read it from node_modules.
    try {
      return (JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    // not Linux: os.type() will do
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName,
    kernel: os.release(),
    loadAverage: { start: os.loadavg()[0]! },
  };
}

export function versions(): Versions {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version() AS v').pluck().get() as string;
  db.close();
  return {
    node: process.version,
    sqlite,
    betterSqlite3: packageVersion('better-sqlite3'),
    grammy: packageVersion('grammy'),
    openai: packageVersion('openai'),
    gptTokenizer: packageVersion('gpt-tokenizer'),
  };
}
