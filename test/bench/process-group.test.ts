import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processTree, spawnGroup, stopGroup } from '../../bench/lib/proc.ts';

/**
 * The benchmark's start-up measurement runs `npm start`: npm → sh → tsx → node. A SIGTERM to npm alone
 * left the bot (and tsx) running after every `npm run bench`. Here the same shape, a shell that does not
 * pass signals on and a node process under it, must be gone entirely once stopGroup returns.
 */

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe('the benchmark stops what it started', () => {
  it('leaves no process of a command that starts children of its own', async () => {
    // `; true` keeps sh from exec-ing node: sh stays in between, as npm's sh does.
    const child = spawnGroup('sh', ['-c', `"${process.execPath}" -e "setInterval(() => {}, 1000)"; true`], { stdio: 'ignore' });
    let tree: number[] = [];
    const deadline = Date.now() + 10_000;
    while (tree.length < 2) {
      if (Date.now() > deadline) throw new Error('the node process under sh did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
      tree = processTree(child.pid!);
    }
    const grandchild = tree.at(-1)!;
    expect(alive(grandchild)).toBe(true);

    const { forced } = await stopGroup(child, 5_000);

    // Stopped by SIGTERM, without the SIGKILL fallback, and nothing of the tree is left.
    expect(forced).toBe(false);
    expect(tree.filter(alive)).toEqual([]);
  });
});
