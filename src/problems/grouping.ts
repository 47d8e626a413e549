import { DAY } from '../domain/time.ts';
import type { ProblemKind } from '../domain/classification.ts';
import type { DeadlineRule } from '../domain/deadlines.ts';
import type { Problem } from './problem.ts';
import { isOpen, reopenedStatus } from './problem.ts';
import type { NearbyQuery, ProblemStore } from './problem-store.ts';
import { escalateToUrgent } from './escalation.ts';
import type { VectorStore } from './vector-store.ts';
import { writtenNamesRelation } from '../units/unit-name.ts';
import { summaryTitles, type LedgerTitles } from './ledger-title.ts';
import { sameMatter, similarityNeeded, type MatterEvidence, type SubtopicRelation, type UnitRelation } from './same-matter.ts';
import { featureSimilarity, textFeatures, type TextFeatures } from './similarity.ts';
import { defaultFacets, facetRelation, type FacetVocabulary } from './facets.ts';

/** A classified report on its way into the problem list. */
export interface ReportForGrouping {
  id: number;
  text: string;
  residentId: number | null;
  category: string;
  /** The predicted subtopic (议题), null when none. */
  subtopic?: string | null;
  /** The report's embedding (unit length) when an embedding model is configured and answered; absent offline. */
  vector?: Float32Array | null;
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
  /** The rule's score (src/problems/same-matter.ts): at or above 1 the offline decision joins this problem. */
  score: number;
  /** The rule's verdict: this report is about this problem. */
  joins: boolean;
  /** What the score was made of: how unit, subtopic and category relate, and the text similarity. */
  evidence: MatterEvidence;
  /** Cosine of the report's and the problem's embeddings, when both have one. */
  meaning?: number;
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
  /**
   * The few open (or recently resolved) problems that could be this report's, best first: retrieved broadly (its
   * unit whatever the category, its subtopic wherever it is, its category's problems with no unit; at most
   * CANDIDATE_LIMIT) and ranked by the same-matter rule.
   */
  shortlist(report: ReportForGrouping, now: number, k?: number): Candidate[];
  /** Attach to `chosenId` if it can still take reports, else open a new problem. Run inside the caller's transaction. */
  attach(report: ReportForGrouping, chosenId: number | null, now: number): AttachOutcome;
  /**
   * Other open problems that may be the same matter, most likely first, retrieved as `shortlist` retrieves: the
   * duplicates the automatic grouping was not sure enough to merge, for staff to merge with one button.
   */
  possiblySame(problem: Problem, k?: number): Candidate[];
}

/** Problems scored per report, at most: bounded, so a busy unit costs no more than a quiet one. */
export const CANDIDATE_LIMIT = 40;

/** The offline decision: the best-ranked candidate, if the same-matter rule says it is this report's. */
export const similarityDecider: GroupingDecider = {
  name: 'similarity',
  decide: async (_report, candidates) => {
    const best = candidates[0];
    return best?.joins ? best.problem.id : null;
  },
};

export interface GroupingOptions {
  /** The comparable key of a unit name not in the directory (src/units/unit-name.ts writtenUnitKey); default: none agree. */
  writtenKey?: (written: string) => string;
  /** Embeddings (OPENAI_EMBEDDING_MODEL): problems near a report's vector are candidates too, and join keeps vectors. */
  vectors?: { store: VectorStore; model: string };
  /** The facets of each subtopic (prompts/facets.json); default: that file, read once. */
  facets?: FacetVocabulary;
}

/** Candidates that survive the veto and are scored, at most (their sample texts read and compared). */
export const SCORED_LIMIT = 16;
/** Of CANDIDATE_LIMIT, how many the embedding window may bring that the structured retrieval did not. */
const BY_MEANING = 8;
/** A candidate is compared through its title and this many of its latest reports. */
const SAMPLES = 5;
/** Candidates the shortlist adds beyond its k for being closest in meaning. */
const MEANING_EXTRA = 3;

/**
 * possiblySame offers a problem the rule would not join when the words are at least POSSIBLY_SAME_MIN_TEXT alike and the
 * similarity reaches POSSIBLY_SAME_SHARE of what the rule needs (up to 3, best first). A person decides, so these are
 * set for the duplicates offered: chosen on the development and spent streams (grouping-dev, h2-dev, d–o; `npm run
 * eval:grouping -- FILE --offline --suggestions`), 0.15 and 0.5 offered 21.5% of the 758 duplicate pairs the grouping
 * left, with 29% of offers right; 0.05 and 0.3 offer 39.7%, with 28% right (docs/GROUPING.md).
 */
const POSSIBLY_SAME_MIN_TEXT = 0.05;
const POSSIBLY_SAME_SHARE = 0.3;

/** Results kept per process, at most this many each: oldest dropped first (a Map iterates in insertion order). */
const MEMO_SIZE = 20_000;

/** `compute`, remembered for the last MEMO_SIZE keys: it is pure and called again with the same arguments on every report. */
function remembered<A extends unknown[], T>(keyOf: (...args: A) => string, compute: (...args: A) => T): (...args: A) => T {
  const memo = new Map<string, T>();
  return (...args) => {
    const key = keyOf(...args);
    if (memo.has(key)) return memo.get(key)!;
    const value = compute(...args);
    if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
    memo.set(key, value);
    return value;
  };
}

/** Names that say where, not what: left out of the similarity so every report about one school does not look alike. */
export type UnitNames = (unitId: string | null, written: string | null) => readonly string[];

/** `titles`: the ledger-title rule (src/problems/ledger-title.ts); without it, a new problem is titled by its report's summary. */
export function createGrouping(
  store: ProblemStore,
  deadlines: DeadlineRule,
  rules: GroupingRules,
  unitNames: UnitNames = () => [],
  titles: LedgerTitles = summaryTitles,
  options: GroupingOptions = {},
): Grouping {
  // A problem's sample texts are compared with every new report at its unit: their features are worth keeping.
  const featuresOf = remembered((text: string, ignore: readonly string[]) => `${ignore.join('\u0001')}\u0000${text}`, textFeatures);

  const facets = options.facets ?? defaultFacets();
  /** The facets all these texts name together, within the subtopics in play. */
  function facetsOf(texts: readonly string[], subtopics: ReadonlySet<string>): ReadonlySet<string> {
    const all = new Set<string>();
    for (const text of texts) for (const facet of facets.facetsOf(text, subtopics)) all.add(facet);
    return all;
  }

  function canTake(problem: Problem | undefined, report: ReportForGrouping, now: number): problem is Problem {
    // The category is not checked: the decision weighed it, and a category the classifier got wrong must not split a matter.
    if (!problem || problem.mergedInto !== null) return false;
    if (isOpen(problem.status)) return true;
    return problem.status === 'resolved' && problem.resolvedAt !== null && problem.resolvedAt >= now - rules.recurringWithinMs;
  }

  // A written name's key is read for every problem at a written place a report is compared with.
  const writtenKey = remembered((written: string) => written, options.writtenKey ?? (() => ''));

  function unitRelation(a: { unitId: string | null; unitWritten: string | null }, b: { unitId: string | null; unitWritten: string | null }): UnitRelation {
    if (a.unitId && b.unitId) return a.unitId === b.unitId ? 'same' : 'different';
    // A report at a known unit, a problem placed nowhere (中考体育 for the whole district, a marathon's sign-up).
    // A directory unit and a place it does not know (东城中学, 启航教育) are most likely two places: likewise.
    if ((a.unitId && !b.unitId) || (!a.unitId && a.unitWritten && b.unitId)) return 'unplaced';
    if (a.unitId || b.unitId || !a.unitWritten || !b.unitWritten) return 'unknown';
    // Names the directory does not know are read loosely (启航教育 = 启航培训班 = Qihang Education); two that share nothing (启航, 星火英语) are two places.
    const relation = writtenNamesRelation(writtenKey(a.unitWritten), writtenKey(b.unitWritten));
    return relation === 'alike' ? 'unknown' : relation;
  }

  /** For a report or problem at a place the directory does not know (启航教育): its problems whatever their category, as a unit's are. */
  const atItsWrittenPlace = (x: { unitId: string | null; unitWritten: string | null }): Pick<NearbyQuery, 'sameWritten'> =>
    !x.unitId && x.unitWritten ? { sameWritten: (written) => unitRelation(x, { unitId: null, unitWritten: written }) === 'same' } : {};

  /** A problem is about every subtopic its latest reports were given: its first report's guess alone is noisy. */
  const subtopicRelation = (mine: string | null | undefined, theirs: ReadonlySet<string>): SubtopicRelation =>
    !mine || theirs.size === 0 ? 'unknown' : theirs.has(mine) ? 'same' : 'different';

  /** Everything a candidate is weighed on, and the rule's verdict. */
  function weigh(
    mine: { text: readonly TextFeatures[]; raw: readonly string[]; exact: ReadonlySet<string>; unitId: string | null; unitWritten: string | null; category: string; subtopic: string | null | undefined },
    problem: Problem,
    sample: { texts: string[]; subtopics: ReadonlySet<string> },
    now: number,
    byFacets = true,
  ): Candidate {
    const texts = [problem.title, ...sample.texts];
    // The title restates unit and subtopic (offline it is built from them, "北山中学 校舍设施·宿舍"): compared, it made
    // every report of that subtopic look alike (宿舍漏水 joined 宿舍没暖气). The reports carry the matter; the title
    // stands in only for a problem without them.
    const compared = sample.texts.length > 0 ? sample.texts : texts;
    // Each text without its own unit's names: one set of features per text, whichever report it is compared with.
    const ignore = unitNames(problem.unitId, problem.unitWritten);
    const theirSubtopics = problem.subtopic ? new Set([problem.subtopic, ...sample.subtopics]) : sample.subtopics;
    const subtopic = subtopicRelation(mine.subtopic, theirSubtopics);
    // Facets are read within the subtopics of both sides: 漏水 is a dormitory's leak, 冷 a classroom without heating.
    const scope = new Set(theirSubtopics);
    if (mine.subtopic) scope.add(mine.subtopic);
    let text = 0;
    for (const t of compared) {
      if (mine.exact.has(t.trim())) text = 1;
      const theirs = featuresOf(t, ignore);
      for (const a of mine.text) text = Math.max(text, featureSimilarity(a, theirs));
    }
    const evidence: MatterEvidence = {
      unit: unitRelation(mine, problem),
      subtopic,
      sameCategory: mine.category === problem.category,
      ageDays: Math.max(0, (now - (problem.lastReportAt ?? problem.createdAt)) / DAY),
      text,
      ...(byFacets && { facets: scope.size === 0 ? 'unknown' : facetRelation(facetsOf(mine.raw, scope), facetsOf(compared, scope)) }),
    };
    return { problem, texts, evidence, ...sameMatter(evidence) };
  }

  /** What the rule rejects whatever the words (src/problems/same-matter.ts), told before any text is read. */
  const vetoed = (report: ReportForGrouping, problem: Problem): boolean =>
    !Number.isFinite(similarityNeeded({ unit: unitRelation(report, problem), subtopic: 'unknown', sameCategory: report.category === problem.category, ageDays: 0 }));

  const byRank = (a: Candidate, b: Candidate) => b.score - a.score || b.problem.id - a.problem.id;

  return {
    shortlist(report, now, k = 5) {
      const vectors = report.vector ? options.vectors : undefined;
      const resolvedSince = now - rules.recurringWithinMs;
      const problems = store.nearby({
        category: report.category,
        unitId: report.unitId,
        subtopic: report.subtopic ?? null,
        resolvedSince,
        limit: vectors ? CANDIDATE_LIMIT - BY_MEANING : CANDIDATE_LIMIT,
        ...atItsWrittenPlace(report),
      });
      if (vectors) {
        // What the words and the structure missed, the meaning may find: another unit's spelling, a paraphrase.
        const known = new Set(problems.map((p) => p.id));
        const near = vectors.store.nearest(report.vector!, vectors.model, resolvedSince, BY_MEANING).filter((n) => !known.has(n.problemId));
        problems.push(...store.liveByIds(near.map((n) => n.problemId), resolvedSince));
      }
      const meaning = vectors ? vectors.store.cosines(report.vector!, vectors.model, problems.map((p) => p.id)) : undefined;
      // Another unit's problem, or another category's with no unit in common, can never be this report's: not scored
      // (unless the model may weigh it for its meaning).
      // Scored, at most SCORED_LIMIT: reading samples and comparing texts is most of a report's grouping cost
      // (bench/grouping.ts). Problems of the report's subtopic first (the strongest signal), then retrieval order (the
      // unit's own, most recently reported first); the oldest of a busy unit's other subtopics rarely win.
      const open = problems.filter((p) => meaning?.has(p.id) || !vetoed(report, p));
      const mySubtopic = report.subtopic ?? null;
      const possible = [
        ...open.filter((p) => mySubtopic !== null && p.subtopic === mySubtopic),
        ...open.filter((p) => mySubtopic === null || p.subtopic !== mySubtopic),
      ].slice(0, SCORED_LIMIT);
      if (possible.length === 0) return [];
      const samples = store.samplesOf(possible.map((p) => p.id), SAMPLES);
      const exact = new Set([report.text.trim()]);
      // Unit names say where, not what: left out of the texts they are in.
      const mine = { ...report, subtopic: report.subtopic ?? null, text: [featuresOf(report.text, unitNames(report.unitId, report.unitWritten))], raw: [report.text], exact };
      const ranked = possible
        .map((problem) => {
          const weighed = weigh(mine, problem, samples.get(problem.id)!, now);
          const cosine = meaning?.get(problem.id);
          return cosine === undefined ? weighed : { ...weighed, meaning: cosine };
        })
        .sort(byRank);
      const best = ranked.slice(0, k);
      if (!meaning) return best;
      // The closest in meaning go along even when the rule ranks them low, for the model to weigh (never another unit's).
      const byMeaning = ranked
        .slice(k)
        .filter((c) => c.meaning !== undefined && c.evidence.unit !== 'different')
        .sort((a, b) => b.meaning! - a.meaning! || b.problem.id - a.problem.id)
        .slice(0, MEANING_EXTRA);
      return [...best, ...byMeaning];
    },

    possiblySame(problem, k = 3) {
      if (problem.mergedInto !== null || !isOpen(problem.status)) return [];
      const others = store
        .nearby({
          category: problem.category,
          unitId: problem.unitId,
          subtopic: problem.subtopic,
          resolvedSince: Number.MAX_SAFE_INTEGER, // open ones only
          limit: CANDIDATE_LIMIT + 1,
          ...atItsWrittenPlace(problem),
        })
        .filter((other) => other.id !== problem.id && isOpen(other.status));
      if (others.length === 0) return [];
      const samples = store.samplesOf([problem.id, ...others.map((o) => o.id)], 5);
      const own = [problem.title, ...samples.get(problem.id)!.texts];
      const now = problem.lastReportAt ?? problem.updatedAt;
      return others
        .map((other) => {
          const mine = { ...problem, text: own.map((t) => featuresOf(t, unitNames(problem.unitId, problem.unitWritten))), raw: own, exact: new Set(own.map((t) => t.trim())) };
          // Facets left out: a person decides, on the words, what the rule was not sure enough to merge.
          return weigh(mine, other, samples.get(other.id)!, now, false);
        })
        // A person decides: the rule's bar is lowered, never its "different unit" veto.
        .filter((c) => c.evidence.unit !== 'different' && c.evidence.text >= POSSIBLY_SAME_MIN_TEXT && c.score >= POSSIBLY_SAME_SHARE)
        .sort(byRank)
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
          const status = reopenedStatus(chosen);
          store.update(problemId, {
            status,
            recurring: true,
            recurringAt: now,
            resolvedAt: null,
            deadlineAt: deadlines.deadline(chosen.kind, chosen.category, chosen.urgent || report.urgent, now),
          }, now);
          store.record(problemId, { at: now, actor: { type: 'system' }, action: 'reopened', fromStatus: 'resolved', toStatus: status, note: `#${report.id}`, data: { reportId: report.id, recurring: true } });
        }
        // What the first report did not say, a later one may: the problem learns its unit and subtopic.
        const learnt = {
          ...(chosen.unitId === null && report.unitId !== null && { unitId: report.unitId, unitWritten: null }),
          ...(chosen.unitId === null && report.unitId === null && chosen.unitWritten === null && report.unitWritten && { unitWritten: report.unitWritten }),
          ...(chosen.subtopic === null && report.subtopic && { subtopic: report.subtopic }),
        };
        if (Object.keys(learnt).length > 0) store.update(problemId, learnt, now);
        // Read again: a reopened problem has its fresh deadline, not the one it had before (src/problems/escalation.ts).
        if (report.urgent) escalateToUrgent(store, deadlines, store.get(problemId)!, report.id, now);
      } else {
        opened = true;
        problemId = store.create(
          {
            title: titles.forReport(report),
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

      store.attachReport(report.id, problemId);
      if (report.vector && options.vectors) options.vectors.store.refreshProblemVector(problemId, options.vectors.model, now);
      store.recount(problemId);
      // A joined problem's title follows the latest model title, or is rebuilt when its subtopic or unit changed.
      if (!opened && chosen) {
        const joined = store.get(problemId)!;
        const title = titles.afterJoin(chosen, joined, report);
        if (title !== null) store.update(problemId, { title }, now);
      }

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
