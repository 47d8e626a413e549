import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactPersonalData } from '../domain/redact.ts';
import { formatDate } from '../domain/time.ts';
import type { Problem, ProblemEvent } from '../problems/problem.ts';
import { BODY_MAX_CHARS } from './knowledge-base.ts';

/**
 * "Add to knowledge base" (加入知识库): a resolved inquiry's question and the staff's answer written as a draft
 * entry for review, `KNOWLEDGE_DIR/_pending/<date>-problem-<N>.md`. Nothing in `_pending/` is ever used to
 * answer (the folder is not read); staff publish a draft by editing it and moving it up into KNOWLEDGE_DIR.
 */

export const PENDING_DIR = '_pending';
const HEADING_MAX_CHARS = 120;

export type PendingCheck =
  | { ok: true; problem: Problem; question: string; answer: string }
  | { ok: false; reason: 'missing' | 'not_inquiry' | 'not_resolved' | 'no_answer' | 'no_question' };

/** Which problems may become a draft: an inquiry, resolved, with the staff's resolution note and a question text. */
export function checkPending(problem: Problem | undefined, history: readonly ProblemEvent[], questions: readonly string[]): PendingCheck {
  if (!problem) return { ok: false, reason: 'missing' };
  if (problem.kind !== 'inquiry') return { ok: false, reason: 'not_inquiry' };
  if (problem.status !== 'resolved') return { ok: false, reason: 'not_resolved' };
  const resolution = [...history].reverse().find((e) => e.toStatus === 'resolved');
  const answer = resolution?.note?.trim() ?? '';
  if (answer === '') return { ok: false, reason: 'no_answer' };
  const question = questions.find((q) => q.trim() !== '')?.trim() ?? '';
  if (question === '') return { ok: false, reason: 'no_question' };
  return { ok: true, problem, question, answer };
}

// Control and invisible characters, Markdown heading marks at a line's start: a draft must not open entries
// of its own or hide text. Each is a single character class or a fixed prefix, so linear.
const CONTROL = /[\p{Cc}\p{Cf}]/gu;
const LEADING_HASHES = /^#+/;

/** One line, no heading marks, no personal data, at most 120 characters: the entry's question. */
export function sanitizeHeading(text: string): string {
  const line = redactPersonalData(text).replace(/\s+/g, ' ').replace(CONTROL, '').trim().replace(LEADING_HASHES, '').trim();
  const chars = Array.from(line);
  return chars.length > HEADING_MAX_CHARS ? `${chars.slice(0, HEADING_MAX_CHARS - 1).join('')}…` : line;
}

/** The answer's lines as written, except that none may start a heading; cut to the entry limit (3000). */
export function sanitizeBody(text: string): string {
  const lines = redactPersonalData(text)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[\p{Cc}\p{Cf}]/gu, '').replace(LEADING_HASHES, (hashes) => '＃'.repeat(hashes.length)).trimEnd());
  const body = lines.join('\n').trim();
  const chars = Array.from(body);
  return chars.length > BODY_MAX_CHARS ? `${chars.slice(0, BODY_MAX_CHARS - 1).join('')}…` : body;
}

/** The draft file's name and text; the name is built from the date and the problem's number alone. */
export function pendingEntry(input: { problemId: number; question: string; answer: string; at: number; timezone: string }): { name: string; text: string } {
  const date = formatDate(input.at, input.timezone);
  const heading = sanitizeHeading(input.question) || `#${input.problemId}`;
  const text = [`# 待审核 / for review: problem #${input.problemId}, ${date}`, '', `## ${heading}`, sanitizeBody(input.answer), `来源：教体局答复（问题 #${input.problemId}，${date}）`, ''].join('\n');
  return { name: `${date}-problem-${input.problemId}.md`, text };
}

export interface PendingEntries {
  /** Write the draft once; a second press finds it and writes nothing. */
  write(input: { problemId: number; question: string; answer: string }): { written: true; path: string } | { written: false; path: string };
}

export function createPendingEntries(options: { dir: string; timezone: string; now: () => number }): PendingEntries {
  const folder = join(options.dir, PENDING_DIR);
  return {
    write(input) {
      mkdirSync(folder, { recursive: true });
      const suffix = `-problem-${input.problemId}.md`;
      const existing = readdirSync(folder).find((name) => name.endsWith(suffix));
      if (existing) return { written: false, path: `${PENDING_DIR}/${existing}` };
      const entry = pendingEntry({ ...input, at: options.now(), timezone: options.timezone });
      try {
        // 'wx': two presses at the same moment write one file; the second finds it there.
        writeFileSync(join(folder, entry.name), entry.text, { encoding: 'utf8', flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { written: false, path: `${PENDING_DIR}/${entry.name}` };
        throw error;
      }
      return { written: true, path: `${PENDING_DIR}/${entry.name}` };
    },
  };
}
