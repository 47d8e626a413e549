import type { Db } from '../db/database.ts';
import type { ProblemKind } from '../domain/classification.ts';
import type { DeadlineRule } from '../domain/deadlines.ts';
import type { Problem } from './problem.ts';
import { isOpen } from './problem.ts';
import type { ProblemStore } from './problem-store.ts';
import { featureSimilarity, POSSIBLY_SAME_THRESHOLD, SAME_PROBLEM_THRESHOLD, textFeatures, type TextFeatures } from './similarity.ts';

/** A classified report on its way into the problem list. */
export interface ReportForGrouping {
  id: number;
  text: string;
  residentId: number | null;
  category: string;
  /** The predicted subtopic (议题), null when none. */
  subtopic?: string | null;
  /** A model's ledger-line title for this report's matter, when one was written. */
  title?: string | null;
  /** The kind a new problem gets (default complaint); praise and chit-chat never reach grouping. */
  kind?: ProblemKind;
  urgent: boolean;
  unitId: string | null;
  unitWritten: string | null;
  summary: string;
}

export interface Candidate {
  problem: Problem;
  score: number;
  texts: string[];
}

/** Picks the problem a report belongs to among scored candidates, or null for a new problem. */
export interface GroupingDecider {
  readonly name: string;
  /** `mayAskLlm` is asked right before an LLM call (it spends the resident's budget); false means do without. */
  decide(report: ReportForGrouping, candidates: Candidate[], mayAskLlm?: () => boolean): Promise<number | null>;
}

export interface AttachOutcome {
  problemId: number;
  opened: boolean;
  /** A resolved problem got a new report and is open again, flagged recurring. */
  reopened: boolean;
  becameWidespread: boolean;
}

export interface GroupingRules {
  recurringWithinMs: number;
  widespreadMinResidents: number;
  widespreadWithinMs: number;
}

export interface Grouping {
  /** The few open (or recently resolved) problems that could be this report's, best first. */
  shortlist(report: ReportForGrouping, now: number, k?: number): Candidate[];
  /** Attach to `chosenId` if it can still take reports, else open a new problem. Run inside the caller's transaction. */
  attach(report: ReportForGrouping, chosenId: number | null, now: number): AttachOutcome;
  /**
   * Other open problems of the same category and unit that may be the same matter, most similar first: the
   * duplicates the automatic grouping was not sure enough to merge, for staff to merge with one button.
   */
  possiblySame(problem: Problem, k?: number): Candidate[];
}

/** The offline decision: the most similar candidate, if it is similar enough. */
export const similarityDecider: GroupingDecider = {
  name: 'similarity',
  decide: async (_report, candidates) => {
    const best = candidates[0];
    return best && best.score >= SAME_PROBLEM_THRESHOLD ? best.problem.id : null;
  },
};

/** Names that say where, not what: left out of the similarity so every report about one school does not look alike. */
export type UnitNames = (unitId: string | null, written: string | null) => readonly string[];

export function createGrouping(db: Db, store: ProblemStore, deadlines: DeadlineRule, rules: GroupingRules, unitNames: UnitNames = () => []): Grouping {
  const linkReport = db.prepare('UPDATE reports SET problem_id = ? WHERE id = ?');

  // A problem's sample texts are compared with every new report at its unit: their features are worth
  // keeping. Bounded, oldest entries dropped first (a Map iterates in insertion order).
  const memo = new Map<string, TextFeatures>();
  const MEMO_SIZE = 20_000;
  function featuresOf(text: string, ignore: readonly string[]): TextFeatures {
    const key = `${ignore.join('\u0001')}\u0000${text}`;
    let features = memo.get(key);
    if (!features) {
      features = textFeatures(text, ignore);
      if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
      memo.set(key, features);
    }
    return features;
  }

  function canTake(problem: Problem | undefined, report: ReportForGrouping, now: number): problem is Problem {
    if (!problem || problem.mergedInto !== null || problem.category !== report.category) return false;
    if (isOpen(problem.status)) return true;
    return problem.status === 'resolved' && problem.resolvedAt !== null && problem.resolvedAt >= now - rules.recurringWithinMs;
  }

  return {
    shortlist(report, now, k = 3) {
      const problems = store.candidates({
        category: report.category,
        unitId: report.unitId,
        unitWritten: report.unitId ? null : report.unitWritten,
        resolvedSince: now - rules.recurringWithinMs,
        limit: 40,
      });
      const ignore = unitNames(report.unitId, report.unitWritten);
      const mine = textFeatures(report.text, ignore);
      const same = report.text.trim();
      const samples = store.sampleTextsOf(problems.map((p) => p.id), 5);
      return problems
        .map((problem) => {
          const texts = [problem.title, ...(samples.get(problem.id) ?? [])];
          const score = Math.max(...texts.map((t) => (t.trim() === same ? 1 : featureSimilarity(mine, featuresOf(t, ignore)))));
          return { problem, score, texts };
        })
        .sort((a, b) => b.score - a.score || b.problem.id - a.problem.id)
        .slice(0, k);
    },

    possiblySame(problem, k = 3) {
      if (problem.mergedInto !== null || !isOpen(problem.status)) return [];
      const others = store
        .candidates({
          category: problem.category,
          unitId: problem.unitId,
          unitWritten: problem.unitId ? null : problem.unitWritten,
          resolvedSince: Number.MAX_SAFE_INTEGER, // open ones only
          limit: 41,
        })
        .filter((other) => other.id !== problem.id);
      if (others.length === 0) return [];
      const ignore = unitNames(problem.unitId, problem.unitWritten);
      const samples = store.sampleTextsOf([problem.id, ...others.map((o) => o.id)], 5);
      const mine = [problem.title, ...(samples.get(problem.id) ?? [])].map((t) => featuresOf(t, ignore));
      return others
        .map((other) => {
          const texts = [other.title, ...(samples.get(other.id) ?? [])];
          const theirs = texts.map((t) => featuresOf(t, ignore));
          const score = Math.max(...mine.flatMap((a) => theirs.map((b) => featureSimilarity(a, b))));
          return { problem: other, score, texts };
        })
        .filter((c) => c.score >= POSSIBLY_SAME_THRESHOLD)
        .sort((a, b) => b.score - a.score || a.problem.id - b.problem.id)
        .slice(0, k);
    },

    attach(report, chosenId, now) {
      const resolvedId = chosenId === null ? undefined : store.resolveId(chosenId);
      const chosen = resolvedId === undefined ? undefined : store.get(resolvedId);
      let problemId: number;
      let opened = false;
      let reopened = false;

      if (canTake(chosen, report, now)) {
        problemId = chosen.id;
        if (chosen.status === 'resolved') {
          reopened = true;
          const status = chosen.responsibleUnitId ? 'assigned' : 'new';
          store.update(problemId, {
            status,
            recurring: true,
            recurringAt: now,
            resolvedAt: null,
            deadlineAt: deadlines.deadline(chosen.kind, chosen.category, chosen.urgent || report.urgent, now),
          }, now);
          store.record(problemId, { at: now, actor: { type: 'system' }, action: 'reopened', fromStatus: 'resolved', toStatus: status, note: `#${report.id}`, data: { reportId: report.id, recurring: true } });
        }
        if (report.urgent && !chosen.urgent) {
          const urgentDeadline = deadlines.deadline(chosen.kind, chosen.category, true, now);
          store.update(problemId, { urgent: true, deadlineAt: Math.min(chosen.deadlineAt ?? urgentDeadline, urgentDeadline) }, now);
          store.record(problemId, { at: now, actor: { type: 'system' }, action: 'urgent', note: `#${report.id}` });
        }
      } else {
        opened = true;
        problemId = store.create(
          {
            title: report.summary,
            category: report.category,
            subtopic: report.subtopic ?? null,
            kind: report.kind ?? 'complaint',
            unitId: report.unitId,
            unitWritten: report.unitId ? null : report.unitWritten,
            urgent: report.urgent,
            deadlineAt: deadlines.deadline(report.kind ?? 'complaint', report.category, report.urgent, now),
            responsibleUnitId: null,
          },
          now,
        );
        store.record(problemId, { at: now, actor: { type: 'system' }, action: 'created', toStatus: 'new', note: `#${report.id}`, data: { reportId: report.id } });
      }

      linkReport.run(problemId, report.id);
      store.recount(problemId);

      let becameWidespread = false;
      const current = store.get(problemId)!;
      if (!current.widespread && store.distinctResidentsSince(problemId, now - rules.widespreadWithinMs) >= rules.widespreadMinResidents) {
        becameWidespread = true;
        store.update(problemId, { widespread: true, widespreadAt: now }, now);
        store.record(problemId, { at: now, actor: { type: 'system' }, action: 'widespread', note: String(current.residentCount) });
      }
      return { problemId, opened, reopened, becameWidespread };
    },
  };
}
