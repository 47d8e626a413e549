import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
