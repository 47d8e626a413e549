import { createHash } from 'node:crypto';
import { z } from 'zod';
import { detectLanguage, type Language } from '../domain/classification.ts';

/**
 * The bureau's knowledge base (知识库): Markdown files where each `## ` heading starts one entry — the heading
 * is the question, the body the answer quoted to residents as written. Pure: text in, entries out; reading the
 * folder is src/knowledge/knowledge-folder.ts.
 */

export interface KnowledgeEntry {
  /** Stable while the heading stays the same: `<file stem>:<8 hex of the heading's hash>`. */
  id: string;
  title: string;
  body: string;
  /** Other ways residents ask this question (`别名：` / `Also asked:` lines): matched, never shown. */
  aliases: string[];
  source: string | null;
  /** Last day (YYYY-MM-DD, in TIMEZONE) the entry may be used; null: no end. */
  validUntil: string | null;
  language: Language;
  /** The file's `# ` topic line, or its name: what staff see the entry grouped under. */
  topic: string;
  file: string;
  /** 1-based line of the heading, for messages to whoever edits the file. */
  line: number;
}

export interface KnowledgeBase {
  entries: readonly KnowledgeEntry[];
  /** One line per problem, `file:line: what is wrong`; the entry concerned is left out, the rest load. */
  problems: readonly string[];
}

/** An answer must fit one Telegram message with its title, source and the yes/no question (4096). */
export const BODY_MAX_CHARS = 3000;
const TITLE_MAX_CHARS = 200;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((d) => {
    const parsed = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
  }, 'not a calendar date');

const EntrySchema = z.object({
  title: z.string().min(1, 'empty heading').max(TITLE_MAX_CHARS, `heading longer than ${TITLE_MAX_CHARS} characters`),
  body: z.string().min(1, 'entry has no answer text').max(BODY_MAX_CHARS, `answer longer than ${BODY_MAX_CHARS} characters`),
  aliases: z.array(z.string().min(1).max(TITLE_MAX_CHARS, `alias longer than ${TITLE_MAX_CHARS} characters`)).max(30, 'more than 30 aliases'),
  source: z.string().min(1).max(300, 'source longer than 300 characters').nullable(),
  validUntil: isoDate.nullable(),
});

// Metadata lines the bureau writes under an answer (full-width or ASCII colon).
const SOURCE_LINE = /^(?:来源|source)\s*[:：]\s*(.*)$/i;
const VALID_LINE = /^(?:有效期至|valid until)\s*[:：]\s*(.*)$/i;
// Other phrasings of the question, separated by semicolons; several lines may be given.
const ALIAS_LINE = /^(?:别名|又问|also asked)\s*[:：]\s*(.*)$/i;
const ALIAS_SEPARATOR = /[;；]/;

/** The id an entry keeps as long as its file and heading stay the same (body edits keep it). */
export function entryId(file: string, title: string): string {
  const stem = file.replace(/\.md$/i, '').replace(/[^A-Za-z0-9_-]/g, '_');
  return `${stem}:${createHash('sha256').update(title).digest('hex').slice(0, 8)}`;
}

/** Parse one Markdown file; problems name the file and line and skip only the entry concerned. */
export function parseKnowledgeFile(file: string, text: string): KnowledgeBase {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries: KnowledgeEntry[] = [];
  const problems: string[] = [];
  let topic = file.replace(/\.md$/i, '');
  let current:
    | { title: string; line: number; body: string[]; aliases: string[]; source: string | null; validUntil: string | null; metaLine: number }
    | undefined;

  const finish = () => {
    if (!current) return;
    const parsed = EntrySchema.safeParse({
      title: current.title,
      body: current.body.join('\n').trim(),
      aliases: current.aliases,
      source: current.source,
      validUntil: current.validUntil,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = issue.path[0] === 'validUntil' || issue.path[0] === 'source' || issue.path[0] === 'aliases' ? current.metaLine : current.line;
      problems.push(`${file}:${at}: ${issue.message}`);
    } else {
      const e = parsed.data;
      entries.push({ id: entryId(file, e.title), ...e, language: detectLanguage(e.title), topic, file, line: current.line });
    }
    current = undefined;
  };

  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const lineNo = index + 1;
    if (/^##\s/.test(line) && !line.startsWith('###')) {
      finish();
      current = { title: line.replace(/^##\s+/, '').trim(), line: lineNo, body: [], aliases: [], source: null, validUntil: null, metaLine: lineNo };
      continue;
    }
    if (/^#\s/.test(line)) {
      finish();
      topic = line.replace(/^#\s+/, '').trim() || topic;
      continue;
    }
    if (!current) continue; // the file's introduction, if any, is not an entry
    const source = SOURCE_LINE.exec(line);
    const valid = VALID_LINE.exec(line);
    const alias = ALIAS_LINE.exec(line);
    if (alias) {
      current.aliases.push(...alias[1]!.split(ALIAS_SEPARATOR).map((a) => a.trim()).filter((a) => a !== ''));
      current.metaLine = lineNo;
    } else if (source) {
      current.source = source[1]!.trim() || null;
      current.metaLine = lineNo;
    } else if (valid) {
      current.validUntil = valid[1]!.trim();
      current.metaLine = lineNo;
    } else {
      current.body.push(raw.trimEnd());
    }
  }
  finish();
  return { entries, problems };
}

/** Every file of a folder as one base; a heading used twice keeps its first entry and reports the second. */
export function buildKnowledgeBase(files: ReadonlyArray<{ name: string; text: string }>): KnowledgeBase {
  const entries: KnowledgeEntry[] = [];
  const problems: string[] = [];
  const seen = new Map<string, KnowledgeEntry>();
  for (const { name, text } of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    if (isSkippedFile(name)) continue;
    const parsed = parseKnowledgeFile(name, text);
    problems.push(...parsed.problems);
    for (const entry of parsed.entries) {
      const earlier = seen.get(entry.title);
      if (earlier) {
        problems.push(`${entry.file}:${entry.line}: heading already used at ${earlier.file}:${earlier.line}`);
        continue;
      }
      seen.set(entry.title, entry);
      entries.push(entry);
    }
  }
  return { entries, problems };
}

/** Only Markdown files are entries; the folder's README explains the format and is never an answer. */
export function isSkippedFile(name: string): boolean {
  return !/\.md$/i.test(name) || /^readme\.md$/i.test(name) || name.startsWith('.');
}

/** After its last valid day (in the bureau's time zone) an entry is never used to answer. */
export function isExpired(entry: KnowledgeEntry, today: string): boolean {
  return entry.validUntil !== null && entry.validUntil < today;
}

export function splitByExpiry(base: KnowledgeBase, today: string): { usable: KnowledgeEntry[]; expired: KnowledgeEntry[] } {
  const usable: KnowledgeEntry[] = [];
  const expired: KnowledgeEntry[] = [];
  for (const entry of base.entries) (isExpired(entry, today) ? expired : usable).push(entry);
  return { usable, expired };
}
