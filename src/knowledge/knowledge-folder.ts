import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatDate } from '../domain/time.ts';
import { buildKnowledgeBase, isSkippedFile, splitByExpiry, type KnowledgeBase, type KnowledgeEntry } from './knowledge-base.ts';
import { normalizeText } from '../classify/offline/text-features.ts';
import { createRetrieval, decideByLanguage, rankByLanguage, type Decision, type Retrieval, type Thresholds } from './retrieval.ts';
import { NO_SYNONYMS, parseSynonyms, SYNONYMS_FILE, type Synonyms } from './synonyms.ts';

/**
 * The knowledge base as the bot uses it: read from KNOWLEDGE_DIR and read again whenever a file there changed.
 *
 * Changes are noticed by comparing the folder's names, sizes and modification times on each use (at most
 * once per `checkEveryMs`), not with fs.watch: watch events are lost on network and container-mounted
 * folders, arrive twice or not at all when an editor saves by renaming, and need a handle closed on stop.
 * A stat of twenty files costs microseconds; a missed reload would answer from a stale text.
 */
export interface KnowledgeFolder {
  /** The base as the files are now (re-read if anything changed). */
  base(): KnowledgeBase;
  /** Entries that may answer today, those past their last day, and the files' problems. */
  snapshot(): { usable: KnowledgeEntry[]; expired: KnowledgeEntry[]; problems: readonly string[]; today: string };
  /** Rank entries for a question and decide whether the best one answers it. */
  match(question: string): Decision;
  byId(id: string): KnowledgeEntry | undefined;
  /** Read the folder again now, whatever the timestamps say. */
  reload(): KnowledgeBase;
}

export interface KnowledgeFolderOptions {
  dir: string;
  timezone: string;
  now?: () => number;
  thresholds?: Thresholds;
  checkEveryMs?: number;
  /** Told once per load that found problems, with the lines to log (file and line, never content). */
  onProblems?: (problems: readonly string[]) => void;
}

/** The folder's synonym table; none (and no problem) when the file is absent. */
export function readSynonyms(dir: string): { synonyms: Synonyms; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(join(dir, SYNONYMS_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { synonyms: NO_SYNONYMS, problems: code === 'ENOENT' ? [] : [`${SYNONYMS_FILE}: cannot read the file (${code ?? 'error'})`] };
  }
  return parseSynonyms(text, normalizeText);
}

export function readKnowledgeDir(dir: string): KnowledgeBase {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    return { entries: [], problems: [`${dir}: cannot read the folder (${(error as NodeJS.ErrnoException).code ?? 'error'})`] };
  }
  const files: Array<{ name: string; text: string }> = [];
  const problems: string[] = [];
  for (const name of names) {
    if (isSkippedFile(name)) continue;
    try {
      files.push({ name, text: readFileSync(join(dir, name), 'utf8') });
    } catch (error) {
      problems.push(`${name}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const base = buildKnowledgeBase(files);
  return { entries: base.entries, problems: [...problems, ...base.problems] };
}

function fingerprint(dir: string): string {
  try {
    return readdirSync(dir)
      .filter((name) => !isSkippedFile(name) || name === SYNONYMS_FILE)
      .sort()
      .map((name) => {
        try {
          const s = statSync(join(dir, name));
          return `${name}:${s.size}:${s.mtimeMs}`;
        } catch {
          return `${name}:gone`;
        }
      })
      .join('|');
  } catch {
    return 'unreadable';
  }
}

export function createKnowledgeFolder(options: KnowledgeFolderOptions): KnowledgeFolder {
  const now = options.now ?? Date.now;
  const checkEveryMs = options.checkEveryMs ?? 1000;
  let print = '';
  let checkedAt = -Infinity;
  let base: KnowledgeBase = { entries: [], problems: [] };
  let synonyms: Synonyms = NO_SYNONYMS;
  let index: { today: string; usable: KnowledgeEntry[]; expired: KnowledgeEntry[]; retrieval: Retrieval } | undefined;

  function load(): KnowledgeBase {
    print = fingerprint(options.dir);
    const read = readKnowledgeDir(options.dir);
    const table = readSynonyms(options.dir);
    synonyms = table.synonyms;
    base = { entries: read.entries, problems: [...read.problems, ...table.problems] };
    index = undefined;
    if (base.problems.length > 0) options.onProblems?.(base.problems);
    return base;
  }

  function fresh(): KnowledgeBase {
    const at = now();
    if (at - checkedAt >= checkEveryMs || at < checkedAt) {
      checkedAt = at;
      if (fingerprint(options.dir) !== print) load();
    }
    return base;
  }

  /** Expiry is decided by today's date, so the index is rebuilt when the date changes, not only the files. */
  function current() {
    fresh();
    const today = formatDate(now(), options.timezone);
    if (index?.today !== today) {
      const { usable, expired } = splitByExpiry(base, today);
      index = { today, usable, expired, retrieval: createRetrieval(usable, synonyms) };
    }
    return index;
  }

  load();
  checkedAt = now();
  return {
    base: fresh,
    snapshot() {
      const { usable, expired, today } = current();
      return { usable, expired, problems: base.problems, today };
    },
    match(question) {
      return decideByLanguage(rankByLanguage(current().retrieval, question), options.thresholds);
    },
    byId(id) {
      return current().usable.find((e) => e.id === id);
    },
    reload() {
      checkedAt = now();
      return load();
    },
  };
}
