/**
 * "Is this report about that open problem?" as a small pure rule over a few scored features (issue 11).
 *
 * Where a report is (its unit) and what it is about (its subtopic, 议题) say most; the text similarity of
 * src/problems/similarity.ts refines it, and must carry more of the decision the less the structure says:
 *
 * | unit      | category | subtopic                        | text similarity needed |
 * |-----------|----------|---------------------------------|------------------------|
 * | same      | same     | same, last report ≤ 21 days ago | 0.10                   |
 * | same      | same     | unknown, or same but older      | 0.15                   |
 * | same      | same     | different                       | 0.30                   |
 * | same      | other    | (a subtopic is its category's)  | 0.20                   |
 * | unknown   | same     | same                            | 0.20                   |
 * | unknown   | same     | unknown or different            | 0.35                   |
 * | unknown   | other    | any                             | never                  |
 * | unplaced  | same     | any                             | 0.50                   |
 * | different | any      | any                             | never                  |
 *
 * "unplaced": the report names a directory unit and the problem names no unit at all (not even a written name): a
 * district-wide matter, or a school's that was never placed; or one side is at a directory unit and the other at a place
 * the directory does not know (东城中学 and 启航教育: most likely two places). Only nearly the same words join them.
 * "unknown" unit: one side names no directory unit and their written names do not agree (a report that says
 * only "游泳池的救生员" may be about the pool's problem). "unknown" subtopic: one side has none. Two matters
 * can share a unit and a subtopic (厕所没纸 vs 厕所门坏了), so even the strongest structure still needs some
 * shared wording; a category the classifier got wrong does not split a matter by itself (same unit, other
 * category), it only asks for more similar words.
 *
 * Facets (src/problems/facets.ts, prompts/facets.json) then say what the shared wording cannot: two reports naming
 * defects of their subtopic, none in common (厕所没纸, 门锁坏了), need near-identical words (DISJOINT_FACETS_NEEDED);
 * a named defect in common counts as similarity (SHARED_FACET_BONUS; half between sibling subtopics of one category,
 * SHARED_FACET_BONUS_SIBLINGS; none across categories).
 *
 * A problem's subtopics are those of its latest reports (its first report's guess alone is noisy). Its text is its
 * reports' (src/problems/grouping.ts): the title, built from unit and subtopic offline, would restate them.
 * Thresholds were chosen on development streams only (test/fixtures/grouping-dev.jsonl and grouping-h2-dev.jsonl,
 * `npm run eval:grouping`), for precision first: a wrong merge hides a resident's report inside someone else's problem, a
 * missed one leaves staff a duplicate to merge with one button (possiblySame). docs/GROUPING.md has the figures.
 */

import type { FacetRelation } from './facets.ts';

export type UnitRelation = 'same' | 'unknown' | 'unplaced' | 'different';
export type SubtopicRelation = 'same' | 'unknown' | 'different';

export interface MatterEvidence {
  unit: UnitRelation;
  subtopic: SubtopicRelation;
  sameCategory: boolean;
  /** Days since the candidate problem's last report (0 for today). */
  ageDays: number;
  /** Text similarity, best over the problem's title and latest reports, in [0, 1]. */
  text: number;
  /**
   * How the defects or aspects the two name within their subtopics relate (src/problems/facets.ts): 厕所没纸 and
   * 厕所门锁坏了 are "disjoint", 饭里有头发 and 菜里有虫子 "shared". Absent: unknown.
   */
  facets?: FacetRelation;
}

// 0.05 let a shared subtopic word and little else join two matters (插座冒火花 joined 灯管坏了 at 0.07); 0.10 was
// the best B³F1 over the three dev streams (docs/GROUPING.md), higher floors cost more recall than they saved.
export const SAME_UNIT_SAME_SUBTOPIC = 0.1;
export const SAME_UNIT_UNKNOWN_SUBTOPIC = 0.15;
export const SAME_UNIT_OTHER_CATEGORY = 0.2;
export const SAME_UNIT_DIFFERENT_SUBTOPIC = 0.3;
export const NO_UNIT_SAME_SUBTOPIC = 0.2;
export const NO_UNIT_OTHERWISE = 0.35;
/**
 * A report naming a unit, a problem naming none: joined only on nearly the same words. On the spent blind streams
 * h, j and k such joins were 2 right and 6 wrong at the old 0.20/0.35 (a school's PE lessons joined the district's
 * 中考体育 question, a kindergarten's sign-up the marathon's); 0.5 and "never" measured the same there.
 */
export const UNIT_ONLY_ON_REPORT = 0.5;
/** Same unit and subtopic is the strongest signal only while the matter is current. */
export const SUBTOPIC_WINDOW_DAYS = 21;

/** The text similarity this structure needs, or Infinity when nothing can make it the same matter. */
export function similarityNeeded(e: Omit<MatterEvidence, 'text'>): number {
  if (e.unit === 'different') return Number.POSITIVE_INFINITY;
  if (e.unit === 'same') {
    // A subtopic belongs to its category: across categories, only the words can tell.
    if (!e.sameCategory) return SAME_UNIT_OTHER_CATEGORY;
    if (e.subtopic === 'same') return e.ageDays <= SUBTOPIC_WINDOW_DAYS ? SAME_UNIT_SAME_SUBTOPIC : SAME_UNIT_UNKNOWN_SUBTOPIC;
    return e.subtopic === 'different' ? SAME_UNIT_DIFFERENT_SUBTOPIC : SAME_UNIT_UNKNOWN_SUBTOPIC;
  }
  // Nowhere in common and nothing in common: different categories with no unit to join them are not one matter.
  if (!e.sameCategory) return Number.POSITIVE_INFINITY;
  if (e.unit === 'unplaced') return UNIT_ONLY_ON_REPORT;
  return e.subtopic === 'same' ? NO_UNIT_SAME_SUBTOPIC : NO_UNIT_OTHERWISE;
}

/** A shared facet counts as this much text similarity: one unit, one subtopic and one named defect are one matter. */
export const SHARED_FACET_BONUS = 0.15;
/**
 * A shared facet between two subtopics of one category (the classifier often picks a sibling: 校车线路与时间 for a
 * report 校车安全 would fit). Chosen on the spent streams d–l and the dev streams: 0.07 raised B³ F1 on j, k, g and
 * h2-dev and kept h's precision; 0.15 cost h 8 points of pair precision (练习册 in homework and in forced purchases).
 */
export const SHARED_FACET_BONUS_SIBLINGS = 0.07;
/** Disjoint facets: different matters, unless the words are at least this alike (a report naming two defects). */
export const DISJOINT_FACETS_NEEDED = 0.7;

export interface MatterVerdict {
  /** Similarity over what was needed: at or above 1 the report joins; ranks candidates, best first. */
  score: number;
  joins: boolean;
}

export function sameMatter(e: MatterEvidence): MatterVerdict {
  let needed = similarityNeeded(e);
  if (!Number.isFinite(needed)) return { score: 0, joins: false };
  if (e.facets === 'disjoint') needed = Math.max(needed, DISJOINT_FACETS_NEEDED);
  // Across two subtopics one word can name a facet of each (老鼠 in a dormitory, and in a kitchen; 堵 in a toilet and
  // at the school gate): half the bonus between sibling subtopics of one category, none across categories.
  const bonus = e.facets !== 'shared' ? 0 : e.subtopic !== 'different' ? SHARED_FACET_BONUS : e.sameCategory ? SHARED_FACET_BONUS_SIBLINGS : 0;
  const score = (e.text + bonus) / needed;
  return { score, joins: score >= 1 };
}
