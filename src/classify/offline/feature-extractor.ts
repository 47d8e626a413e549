/**
 * Everything the models see of a report besides its n-grams: cue-lexicon hits per category and kind, risk cues
 * by group (strong, weak, negated), the category rules, and whether the text is about schools at all. The same
 * extractor serves training and classification, so the two can never drift apart.
 */
import { KINDS } from '../../domain/classification.ts';
import { teacherHarmsChild, teacherSellsTutoring } from './category-rules.ts';
import { hasContent, stripInstructions } from './instruction-filter.ts';
import { CATEGORY_CUES, KIND_CUES, compileCues } from './lexicon.ts';
import { RISK_GROUPS, findRiskCues, maskNegatedCues } from './risk-cues.ts';
import { normalizeText, tokenize } from './text-features.ts';

export interface PreparedReport {
  /** False when nothing but greetings, punctuation or orders to the classifier is left. */
  readonly content: boolean;
  readonly tokens: string[];
  /** Extra features by index, for the category and kind models. */
  readonly extras: Map<number, number>;
  /** The extras without strong risk cues: the urgent model must learn from the words, not copy the lexicon. */
  readonly urgentExtras: Map<number, number>;
  /** A strong risk cue that is neither negated nor hypothetical. */
  readonly strongRisk: boolean;
  /** A category rule fired: a teacher hurting a child or selling private lessons. */
  readonly teacherMisconduct: boolean;
}

export interface FeatureExtractor {
  /** How many extra feature indices `prepare` may use (they follow the TF-IDF block). */
  readonly dimension: number;
  prepare(text: string): PreparedReport;
}

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
  const notForUrgency = new Set([anyStrongRiskIndex, teacherHarmIndex, teacherTutoringIndex, noSchoolContextIndex]);

  return {
    dimension: noSchoolContextIndex + 1,
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
      for (const risk of risks) {
        const group = RISK_GROUPS.indexOf(risk.group);
        if (risk.negated) add(negatedRiskIndex, 1);
        else if (risk.strong) {
          add(strongRiskOffset + group, 1);
          strongRisk = true;
        } else add(weakRiskOffset + group, 1);
      }
      if (strongRisk) add(anyStrongRiskIndex, 1);
      const teacherHarm = teacherHarmsChild(masked, risks);
      if (teacherHarm) add(teacherHarmIndex, 1);
      const teacherTutoring = teacherSellsTutoring(masked);
      if (teacherTutoring) add(teacherTutoringIndex, 1);
      // A street light or a barbecue stall with no school, child or teacher in sight is most likely not ours.
      if (!SCHOOL_CONTEXT.test(masked)) add(noSchoolContextIndex, 1);
      const urgentExtras = new Map(
        [...extras].filter(
          ([index]) => !notForUrgency.has(index) && (index < strongRiskOffset || index >= weakRiskOffset),
        ),
      );
      return {
        content: hasContent(normalized),
        tokens: tokenize(masked),
        extras,
        urgentExtras,
        strongRisk,
        teacherMisconduct: teacherHarm || teacherTutoring,
      };
    },
  };
}
