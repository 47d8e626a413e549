import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Imports point inward: edge (grammY features, OpenAI adapters, transport) → use cases → domain. Domain folders hold
 * data and pure rules and import nothing from the edge or the use cases. The baseline listed the violations the
 * first version left; issue 12 moved those use cases to src/desk/ and emptied it. The test fails on a new violation,
 * and on a listed one that is gone, so the list only shrinks (keep it empty).
 */

const SRC = resolve(import.meta.dirname, '../../src');

/** Folders (under src/) that must stay domain, and what they may not import. */
const DOMAIN_FOLDERS = ['domain', 'problems', 'intake', 'units', 'digest', 'classify/offline'];
const EDGE_OR_USE_CASE = [
  'bot', 'replies', 'outbox', 'pipeline', 'desk', 'dispatch', 'questions', 'queue', 'schedule', 'export', 'sample',
  'sandbox', 'emulator', 'cli', 'web', 'app.ts', 'main.ts',
];
const EDGE_PACKAGES = ['openai', 'grammy', '@grammyjs'];

/** `src/domain/` is the innermost ring: our own domain files, Node built-ins and zod only. */
const DOMAIN_CORE_MAY_IMPORT = (target: string) => target.startsWith('domain/') || target.startsWith('node:') || target === 'zod';

/** Left by the first version; each entry is "file -> target" (target: a src path or a package). Remove, never add. */
const BASELINE = new Set(
  readFileSync(resolve(import.meta.dirname, 'import-baseline.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

/** Every `import … from '…'` and `export … from '…'` of a file, multi-line ones included. */
function importsOf(file: string): Array<{ target: string; local: boolean; typeOnly: boolean }> {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(type\s+)?[^;']*?\bfrom\s+'([^']+)'/gm)].map((m) => {
    const spec = m[2]!;
    const local = spec.startsWith('.');
    return { target: local ? relative(SRC, resolve(dirname(file), spec)) : packageOf(spec), local, typeOnly: m[1] !== undefined };
  });
}

const inFolder = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const path = relative(SRC, file);
    const folder = DOMAIN_FOLDERS.find((f) => inFolder(path, f));
    if (!folder) continue;
    for (const { target, local } of importsOf(file)) {
      const forbidden =
        folder === 'domain'
          ? !DOMAIN_CORE_MAY_IMPORT(target)
          : local
            ? EDGE_OR_USE_CASE.some((edge) => inFolder(target, edge))
            : EDGE_PACKAGES.some((pkg) => target === pkg || target.startsWith(`${pkg}/`));
      if (forbidden) found.push(`${path} -> ${target}`);
    }
  }
  return [...new Set(found)].sort();
}

/** Runtime import cycles between files (`import type` erases at run time and is left out). */
function runtimeCycles(): string[][] {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    graph.set(relative(SRC, file), importsOf(file).filter((i) => i.local && !i.typeOnly).map((i) => i.target));
  }
  // Tarjan's strongly connected components: every component of more than one file is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('imports point inward (issue 12)', () => {
  it('no two source files import each other at run time, directly or through others', () => {
    expect(runtimeCycles()).toEqual([]);
  });

  it('no domain file gains an import from the edge or a use case', () => {
    const fresh = violations().filter((v) => !BASELINE.has(v));
    expect(fresh, 'move the use case out of the domain folder, or pass the collaborator in as a parameter').toEqual([]);
  });

  it('the baseline only shrinks: an entry that no longer occurs must be deleted from import-baseline.txt', () => {
    const now = new Set(violations());
    expect([...BASELINE].filter((entry) => !now.has(entry))).toEqual([]);
  });

  it('finds imports the way the rule means them', () => {
    // Guards the parser itself: a known domain file's imports are read, relative paths resolved against src/.
    const grouping = importsOf(join(SRC, 'problems/grouping.ts')).map((i) => i.target);
    expect(grouping).toContain('domain/deadlines.ts');
    expect(grouping.every((t) => !t.startsWith('.'))).toBe(true);
  });
});
