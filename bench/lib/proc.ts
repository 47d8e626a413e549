import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What Linux says about a process: memory from /proc/<pid>/status, CPU time from /proc/<pid>/stat. */

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Resident set size now and its peak (VmHWM), in MiB; undefined when the process is gone. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** User + system CPU time the process has used so far, in ms (10 ms resolution on most kernels). */
export function cpuMsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

/** The process and all its descendants (npm → sh → tsx → node). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let children = '';
    try {
      for (const task of execFileSync('ls', [`/proc/${out[i]}/task`], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
        children += ` ${readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8')}`;
      }
    } catch {
      continue;
    }
    for (const child of children.split(/\s+/).filter(Boolean)) out.push(Number(child));
  }
  return out;
}

/** The process in a tree whose command line runs src/main.ts and that has no such child: the bot itself. */
export function botProcessIn(pid: number): number | undefined {
  const tree = processTree(pid);
  const runsMain = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('src/main.ts');
    } catch {
      return false;
    }
  };
  const candidates = tree.filter(runsMain);
  return candidates.at(-1);
}

/**
 * Starts a command as the leader of its own process group. `npm start` runs sh, which runs tsx, which
 * runs node: a signal to npm alone stops npm and leaves the bot running, so it is sent to the group.
 */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  installGroupCleanup();
  return child;
}

/** Processes of a group that still run (zombies, already dead and waiting for a parent to reap them, do not count). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name's closing parenthesis: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

/**
 * SIGTERM to every process of the group, SIGKILL to what is left after `graceMs`; resolves once none
 * is left. `forced` says whether the bot had to be killed (it should shut down by itself).
 */
export async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<{ forced: boolean }> {
  const pgid = child.pid;
  if (pgid === undefined) return { forced: false };
  signalGroup(pgid, 'SIGTERM');
  let forced = false;
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (!forced && Date.now() > deadline) {
      signalGroup(pgid, 'SIGKILL');
      forced = true;
    }
    if (Date.now() > deadline + 5_000) throw new Error(`process group ${pgid} survived SIGKILL: ${groupMembers(pgid).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  liveGroups.delete(pgid);
  return { forced };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

// A group is detached from the terminal, so Ctrl-C no longer reaches it: the bench passes it on.
const liveGroups = new Set<number>();
let cleanupInstalled = false;
function installGroupCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
    liveGroups.clear();
  };
  process.once('exit', killAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}
