import type { Db } from '../db/database.ts';

/**
 * The three rates the 12345 hotlines rank units by, and the composite score. Definitions (also in
 * docs/DIGEST.md); every query is one set-based pass over an index range of the period:
 *
 * - Response rate: of the problems created in the period (merged ones left out) whose outcome is known,
 *   the share responded to in time. A problem dispatched to its responsible unit's own chat is responded to
 *   when the unit signed for it (签收) within the sign-for window of the dispatch; any other problem when its
 *   first staff action came within the response window of its creation. A problem is still *pending* — left
 *   out — while its window runs past the moment of building and nobody acted yet.
 * - Resolution rate: of the residents' "is it fixed?" answers given in the period, fixed counts 1,
 *   partly ½, not fixed 0; an answer about a problem that now stands closed as not our responsibility or
 *   no action possible counts 0 whatever it says.
 * - Satisfaction rate: of the 1–5 ratings given in the period, the share that are 4 or 5 (plus the mean).
 * - Composite: the weighted mean of the rates a unit has data for, the weights re-scaled over those rates.
 * - Questions answered automatically (issue 15): a question the knowledge base answered and the resident
 *   confirmed ("yes") was answered at once, so it counts as responded to in time in the overall response rate
 *   (it has no unit, so no unit's rate), and is shown as its own number, `answeredAutomatically`.
 *
 * INDEXED BY pins each query to its index (migration 002): without statistics SQLite's planner sometimes
 * takes a narrower index and reads the table row by row, ten times slower on a big database.
 */

export interface RankingSettings {
  responseWindowMs: number;
  /** Units with fewer problems in the period are shown but not ranked. */
  rankingMinProblems: number;
  /** Fractions that sum to 1 (config.digest.weights). */
  weights: { response: number; resolution: number; satisfaction: number };
  /** The units' sign-for windows (SIGN_WITHIN_HOURS, _URGENT); the response window when absent. */
  signWithin?: { normalMs: number; urgentMs: number };
}

/** A rate as a fraction of a count; `value` is null when there is nothing to divide by ("no data", shown as —). */
export interface Rate {
  value: number | null;
  numerator: number;
  denominator: number;
}

export interface UnitRates {
  /** Problems created in the period and attributed to the unit (pending ones included). */
  problems: number;
  response: Rate & { pending: number };
  resolution: Rate;
  satisfaction: Rate & { mean: number | null };
  /** 0–100, or null when the unit has no data for any rate. */
  composite: number | null;
  /** Commendations (表扬) residents sent about the unit in the period: shown beside the rates, never part of one. */
  praise: number;
  /** Overall only: questions asked in the period that the knowledge base answered and the resident confirmed. */
  answeredAutomatically?: number;
}

export interface RankedUnit extends UnitRates {
  unitId: string;
  unitName: string;
  /** 1 = best; null when the unit has too few problems (or no data) to be ranked. */
  rank: number | null;
}

export interface Ranking {
  from: number;
  to: number;
  asOf: number;
  settings: RankingSettings;
  overall: UnitRates;
  /** Ranked units best first, then the unranked ones by problems. */
  units: RankedUnit[];
}

const rate = (numerator: number, denominator: number): Rate => ({ numerator, denominator, value: denominator > 0 ? numerator / denominator : null });

/** Weighted mean over the rates that have data, the weights re-scaled to sum to 1; 0–100. */
export function compositeScore(rates: { response: number | null; resolution: number | null; satisfaction: number | null }, weights: RankingSettings['weights']): number | null {
  let sum = 0;
  let weight = 0;
  for (const key of ['response', 'resolution', 'satisfaction'] as const) {
    const value = rates[key];
    // A weight that is not a positive number (settings not checked by config.ts) counts as leaving the rate out.
    const share = weights[key];
    if (value === null || !(share > 0) || !Number.isFinite(share)) continue;
    sum += share * value;
    weight += share;
  }
  return weight > 0 ? (100 * sum) / weight : null;
}

interface ResponseRow {
  unit: string | null;
  problems: number;
  responded: number;
  decided: number;
}
interface ResolutionRow {
  unit: string | null;
  answers: number;
  halves: number;
}
interface SatisfactionRow {
  unit: string | null;
  ratings: number;
  satisfied: number;
  total: number;
}

export interface RatesQuery {
  /** Rates per unit and overall for [from, to), judged as of `asOf`, ranked. */
  ranking(from: number, to: number, asOf: number, settings: RankingSettings, unitName: (unitId: string) => string): Ranking;
}

export function createRatesQuery(db: Db): RatesQuery {
  // Each rate is read unit by unit from an index ordered by unit, then time (migration 002): the units
  // table drives (CROSS JOIN keeps it outside), every unit is one index range, and no row is sorted.
  // `+u.id` drops the column's affinity so that the expression index on COALESCE(...) can be searched.
  // Rows without a unit are read the same way with `IS NULL`. A unit missing from the units table would be
  // missed; foreign keys on problems keep that from happening.
  const byUnit = (select: string, from: string, unit: string, where: string) =>
    db.prepare(
      `SELECT u.id AS unit, ${select} FROM units u CROSS JOIN ${from} ON ${unit} = +u.id AND ${where} GROUP BY u.id
       UNION ALL
       SELECT NULL AS unit, ${select} FROM ${from} WHERE ${unit} IS NULL AND ${where} HAVING COUNT(*) > 0`,
    );
  // A problem dispatched to its responsible unit's own chat (the latest such dispatch, not returned): 1 signed for
  // within the sign-for window of the dispatch, 0 late or never, -1 still pending; NULL for any other problem,
  // which the bureau's first action decides as before. One index lookup per problem (unit_dispatches_problem).
  const signFor = `(SELECT CASE
       WHEN d.signed_at IS NOT NULL AND d.signed_at - d.dispatched_at <= (CASE WHEN p.urgent THEN @signUrgent ELSE @sign END) THEN 1
       WHEN d.dispatched_at + (CASE WHEN p.urgent THEN @signUrgent ELSE @sign END) <= @asOf THEN 0
       ELSE -1 END
     FROM unit_dispatches d WHERE d.problem_id = p.id AND d.unit_id = p.responsible_unit_id AND d.returned_at IS NULL AND d.chats > 0
     ORDER BY d.id DESC LIMIT 1)`;
  // The unit of a problem is the one responsible for it, else the one it is about.
  const responses = byUnit(
    `COUNT(*) AS problems,
     TOTAL(COALESCE(${signFor} = 1, p.first_response_at IS NOT NULL AND p.first_response_at - p.created_at <= @window)) AS responded,
     TOTAL(COALESCE(${signFor} >= 0, (p.first_response_at IS NOT NULL AND p.first_response_at - p.created_at <= @window) OR p.created_at + @window <= @asOf)) AS decided`,
    'problems p INDEXED BY problems_unit_created',
    'COALESCE(p.responsible_unit_id, p.unit_id)',
    'p.created_at >= @from AND p.created_at < @to AND p.merged_into IS NULL',
  );
  // Answers about problems closed as not ours / no action possible count 0: the set of such problems is
  // read once from its partial index (problems_closed_unfixed).
  const resolutions = byUnit(
    `COUNT(*) AS answers,
     TOTAL(CASE
             WHEN f.fixed = 'not_fixed' THEN 0
             WHEN f.problem_id IN (SELECT id FROM problems INDEXED BY problems_closed_unfixed
                                   WHERE status = 'closed' AND close_reason IN ('not_our_responsibility', 'no_action_possible')) THEN 0
             WHEN f.fixed = 'fixed' THEN 2
             ELSE 1
           END) AS halves`,
    'feedback f INDEXED BY feedback_unit_fixed',
    'f.unit_id',
    'f.fixed_at >= @from AND f.fixed_at < @to AND f.fixed IS NOT NULL',
  );
  // Praise is a report with no problem (issue 18): counted from its own partial index, never in a rate.
  const praises = db.prepare(
    `SELECT unit_id AS unit, COUNT(*) AS praise FROM reports INDEXED BY reports_praise_unit
     WHERE kind = 'praise' AND unit_id IS NOT NULL AND received_at >= @from AND received_at < @to GROUP BY unit_id`,
  );
  const satisfactions = byUnit(
    'COUNT(*) AS ratings, TOTAL(f.rating >= 4) AS satisfied, TOTAL(f.rating) AS total',
    'feedback f INDEXED BY feedback_unit_rated',
    'f.unit_id',
    'f.rated_at >= @from AND f.rated_at < @to AND f.rating IS NOT NULL',
  );

  const answeredQuestions = db.prepare(
    `SELECT COUNT(*) AS n FROM knowledge_questions INDEXED BY knowledge_questions_asked WHERE asked_at >= @from AND asked_at < @to AND status = 'answered'`,
  );

  return {
    ranking(from, to, asOf, settings, unitName) {
      const sign = settings.signWithin ?? { normalMs: settings.responseWindowMs, urgentMs: settings.responseWindowMs };
      const params = { from, to, asOf, window: settings.responseWindowMs, sign: sign.normalMs, signUrgent: sign.urgentMs };
      const tallies = new Map<string | null, { problems: number; responded: number; decided: number; answers: number; halves: number; ratings: number; satisfied: number; total: number; praise: number }>();
      const tally = (unit: string | null) => {
        let t = tallies.get(unit);
        if (!t) {
          t = { problems: 0, responded: 0, decided: 0, answers: 0, halves: 0, ratings: 0, satisfied: 0, total: 0, praise: 0 };
          tallies.set(unit, t);
        }
        return t;
      };
      for (const row of responses.all(params) as ResponseRow[]) Object.assign(tally(row.unit), { problems: row.problems, responded: row.responded, decided: row.decided });
      for (const row of resolutions.all({ from, to }) as ResolutionRow[]) Object.assign(tally(row.unit), { answers: row.answers, halves: row.halves });
      for (const row of satisfactions.all({ from, to }) as SatisfactionRow[]) Object.assign(tally(row.unit), { ratings: row.ratings, satisfied: row.satisfied, total: row.total });
      for (const row of praises.all({ from, to }) as Array<{ unit: string; praise: number }>) tally(row.unit).praise = row.praise;

      const toRates = (t: ReturnType<typeof tally>): UnitRates => {
        const response = rate(t.responded, t.decided);
        const resolution: Rate = { numerator: t.halves / 2, denominator: t.answers, value: t.answers > 0 ? t.halves / (2 * t.answers) : null };
        const satisfaction = rate(t.satisfied, t.ratings);
        return {
          problems: t.problems,
          response: { ...response, pending: t.problems - t.decided },
          resolution,
          satisfaction: { ...satisfaction, mean: t.ratings > 0 ? t.total / t.ratings : null },
          composite: compositeScore({ response: response.value, resolution: resolution.value, satisfaction: satisfaction.value }, settings.weights),
          praise: t.praise,
        };
      };

      const all = { problems: 0, responded: 0, decided: 0, answers: 0, halves: 0, ratings: 0, satisfied: 0, total: 0, praise: 0 };
      for (const t of tallies.values()) for (const key of Object.keys(all) as Array<keyof typeof all>) all[key] += t[key];
      const answeredAutomatically = (answeredQuestions.get({ from, to }) as { n: number }).n;
      all.responded += answeredAutomatically;
      all.decided += answeredAutomatically;

      const units = [...tallies.entries()]
        .filter((entry): entry is [string, ReturnType<typeof tally>] => entry[0] !== null)
        .map(([unitId, t]): RankedUnit => ({ unitId, unitName: unitName(unitId), rank: null, ...toRates(t) }));
      const rankable = (u: RankedUnit) => u.problems >= settings.rankingMinProblems && u.composite !== null;
      const byName = (a: RankedUnit, b: RankedUnit) => a.unitName.localeCompare(b.unitName, 'zh') || a.unitId.localeCompare(b.unitId);
      const ranked = units
        .filter(rankable)
        .sort((a, b) => b.composite! - a.composite! || b.problems - a.problems || byName(a, b));
      // Equal scores share a rank (1, 2, 2, 4).
      ranked.forEach((u, i) => {
        const previous = ranked[i - 1];
        u.rank = previous && Math.abs(previous.composite! - u.composite!) < 1e-9 ? previous.rank : i + 1;
      });
      const unranked = units.filter((u) => !rankable(u)).sort((a, b) => b.problems - a.problems || byName(a, b));

      return { from, to, asOf, settings, overall: { ...toRates(all), answeredAutomatically }, units: [...ranked, ...unranked] };
    },
  };
}
