/**
 * Everything the models see of a report besides its n-grams: cue-lexicon hits per category and kind, risk cues
 * by group (strong, weak, negated), the category rules, and whether the text is about schools at all. The same
 * extractor serves training and classification, so the two can never drift apart.
 */
import { KINDS } from '../../domain/classification.ts';
import { gateJam, offCampusStaff, teacherHarmsChild, teacherSellsTutoring } from './category-rules.ts';
import { hasContent, stripInstructions } from './instruction-filter.ts';
import { CATEGORY_CUES, KIND_CUES, compileCues } from './lexicon.ts';
import { RISK_GROUPS, findRiskCues, hasDefusingContext, maskNegatedCues } from './risk-cues.ts';
import { normalizeText, tokenize } from './text-features.ts';

export interface PreparedReport {
  /** False when nothing but greetings, punctuation or orders to the classifier is left. */
  readonly content: boolean;
  /** The normalised text with instructions cut and negated risk cues blanked: what the models read. */
  readonly text: string;
  readonly tokens: string[];
  /** Extra features by index, for the category and kind models. */
  readonly extras: Map<number, number>;
  /** The extras without strong risk cues: the urgent model must learn from the words, not copy the lexicon. */
  readonly urgentExtras: Map<number, number>;
  /** The report talks of harm at a distance: resolved, past, elsewhere, a drill, a worry, a joke (hasDefusingContext). */
  readonly defused: boolean;
  /** A strong risk cue that is neither negated nor hypothetical. */
  readonly strongRisk: boolean;
  /** A weak risk cue (疼, 晃, 打架, smoke…) that is neither negated nor hypothetical. */
  readonly weakRisk: boolean;
  /** A category rule fired: a teacher hurting a child or selling private lessons. */
  readonly teacherMisconduct: boolean;
  /** The gate-jam rule fired: traffic at the school gate, nobody cornered. */
  readonly gateJam: boolean;
  /** A tutoring centre, day-care or club is named and no school staff: its "老师" are not the school's. */
  readonly offCampusStaff: boolean;
}

export interface FeatureExtractor {
  /** How many extra feature indices `prepare` may use (they follow the TF-IDF block). */
  readonly dimension: number;
  prepare(text: string): PreparedReport;
}

const CONTEXT_ONLY_GROUPS: ReadonlySet<string> = new Set(['alarm', 'body']);

const SCHOOL_CONTEXT =
  /学|校|老师|教|孩子|儿子|女儿|小孩|娃|班|幼儿园|园|培训|体育|运动|球|健身|泳|\b(?:school|teacher|student|pupil|child|children|kid|kids|son|daughter|class|kindergarten|tutor\w*|bureau|pe|sport\w*|gym|stadium|pool|canteen|homework|exam)s?\b/iu;

export function createFeatureExtractor(options: { categoryIds: readonly string[]; cueWeight: number }): FeatureExtractor {
  const categoryCues = compileCues(CATEGORY_CUES, options.categoryIds);
  const kindCues = compileCues(KIND_CUES, KINDS);
  // Layout: category cues, kind cues, strong risk groups, weak risk groups, then single flags.
  const kindOffset = options.categoryIds.length;
  const strongRiskOffset = kindOffset + KINDS.length;
  const weakRiskOffset = strongRiskOffset + RISK_GROUPS.length;
  const negatedRiskIndex = weakRiskOffset + RISK_GROUPS.length;
  const anyStrongRiskIndex = negatedRiskIndex + 1;
  const teacherHarmIndex = anyStrongRiskIndex + 1;
  const teacherTutoringIndex = teacherHarmIndex + 1;
  const noSchoolContextIndex = teacherTutoringIndex + 1;
  const defusedIndex = noSchoolContextIndex + 1;
  const gateJamIndex = defusedIndex + 1;
  const notForUrgency = new Set([anyStrongRiskIndex, teacherHarmIndex, teacherTutoringIndex, noSchoolContextIndex, gateJamIndex]);

  return {
    dimension: gateJamIndex + 1,
    prepare(text) {
      const normalized = normalizeText(stripInstructions(text).text);
      const risks = findRiskCues(normalized);
      // Negated cues are blanked so "没有人受伤" cannot feed the n-gram 受伤 to any model.
      const masked = maskNegatedCues(normalized, risks);
      const extras = new Map<number, number>();
      const add = (index: number, hits: number): void => {
        if (hits > 0) extras.set(index, (extras.get(index) ?? 0) + options.cueWeight * Math.log1p(hits));
      };
      categoryCues.count(masked).forEach((hits, i) => add(i, hits));
      kindCues.count(masked).forEach((hits, i) => add(kindOffset + i, hits));
      let strongRisk = false;
      let weakRisk = false;
      for (const risk of risks) {
        const group = RISK_GROUPS.indexOf(risk.group);
        if (risk.negated) add(negatedRiskIndex, 1);
        else if (risk.strong) {
          add(strongRiskOffset + group, 1);
          strongRisk = true;
        } else {
          add(weakRiskOffset + group, 1);
          // Alarm words and body parts are context for the model, not a sign of harm by themselves.
          if (!CONTEXT_ONLY_GROUPS.has(risk.group)) weakRisk = true;
        }
      }
      if (strongRisk) add(anyStrongRiskIndex, 1);
      const teacherHarm = teacherHarmsChild(masked, risks);
      if (teacherHarm) add(teacherHarmIndex, 1);
      const teacherTutoring = teacherSellsTutoring(masked);
      if (teacherTutoring) add(teacherTutoringIndex, 1);
      const jam = gateJam(masked);
      if (jam) add(gateJamIndex, 1);
      // A street light or a barbecue stall with no school, child or teacher in sight is most likely not ours.
      if (!SCHOOL_CONTEXT.test(masked)) add(noSchoolContextIndex, 1);
      // "后来学校处理了", "last year", "on the news": harm at a distance, which the urgent model should learn to discount.
      const defused = hasDefusingContext(normalized);
      if (defused) add(defusedIndex, 1);
      const urgentExtras = new Map(
        [...extras].filter(
          ([index]) => !notForUrgency.has(index) && (index < strongRiskOffset || index >= weakRiskOffset),
        ),
      );
      return {
        content: hasContent(normalized),
        text: masked,
        tokens: tokenize(masked),
        extras,
        urgentExtras,
        strongRisk,
        weakRisk,
        defused,
        teacherMisconduct: teacherHarm || teacherTutoring,
        gateJam: jam,
        offCampusStaff: offCampusStaff(masked),
      };
    },
  };
}
