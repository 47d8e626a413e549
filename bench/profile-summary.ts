import { readFileSync } from 'node:fs';

/**
 * Where a CPU profile's time went, by part of the program (self time): `npm run bench -- --profile` writes the
 * bot's profile to bench/out/profiles/; `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]` reads it.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function partOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : 'native (SQLite, sockets, …)';
  if (url.includes('/src/problems/similarity')) return 'src/problems/similarity.ts (grouping similarity)';
  if (url.includes('/src/classify/offline/')) return 'src/classify/offline (offline classifier)';
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src && !url.includes('node_modules')) return `src/${src[1]}`;
  if (url.includes('node_modules/tsx') || url.includes('esbuild')) return 'tsx / esbuild';
  if (url.includes('internal/modules')) return 'node: module loading';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `node_modules/${pkg[1]}`;
  return 'node: internals (http, streams, timers)';
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parts = new Map<string, number>();
const functions = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const node = nodes.get(id)!;
  const delta = profile.timeDeltas[i] ?? 0;
  total += delta;
  const part = partOf(node.callFrame.url, node.callFrame.functionName);
  parts.set(part, (parts.get(part) ?? 0) + delta);
  const fn = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}`;
  functions.set(fn, (functions.get(fn) ?? 0) + delta);
});
const top = Number(process.argv[3] ?? 15);
const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  for (const [name, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}\n`);
  }
};
print(`${file}: ${(total / 1000).toFixed(0)} ms sampled`, parts);
print('\nfunctions (self time)', functions);
