import type { ClassifyOutcome } from '../classify/report-classifier.ts';
import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Classification } from '../domain/classification.ts';
import { mediaMark, mediaSense, type MediaSense } from '../media/media.ts';
import { createMediaStore } from '../media/media-store.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { StoredReport } from '../intake/report-store.ts';

/**
 * The pipeline's step for reports that came as a voice note or a photo alone (issue 16): until a transcript or a
 * description gives them words, they are labelled `other` and flagged for staff to look at, never classified
 * from an empty text.
 */
export interface MediaStep {
  /** The label of a report with no words yet (media alone); undefined for every report that has words. */
  unreadOutcome(report: StoredReport): ClassifyOutcome | undefined;
  /** Listen or look, for the acknowledgement of a report that is media alone. */
  senseOf(report: StoredReport): MediaSense | undefined;
  /** The label with what a photo shows counted: urgent when the vision model saw someone at immediate risk. */
  withWhatItShows(report: StoredReport, label: Classification): Classification;
}

export function createMediaStep(deps: { db: Db; tr: Translator; catalogue: Catalogue }): MediaStep {
  const media = createMediaStore(deps.db);
  const unreadKind = (report: StoredReport): string | undefined => (report.text === null ? media.unreadKind(report.id) : undefined);
  return {
    unreadOutcome(report) {
      const kind = unreadKind(report);
      const sense = kind === undefined ? undefined : mediaSense(kind);
      if (!sense) return undefined;
      const language = report.replyLanguage;
      return {
        classification: {
          category: deps.catalogue.fallbackId,
          kind: 'complaint',
          urgent: false,
          unit: null,
          summary: `${mediaMark(kind!)} ${deps.tr.t(language, `media.summary.${sense}`)}`,
          // Also the problem's title, so the list shows 🎤/📷 until words arrive (a ledger title needs words).
          title: `${mediaMark(kind!)} ${deps.tr.t(language, `media.summary.${sense}`)}`,
          language,
        },
        by: 'offline',
        needsReclassify: false,
      };
    },
    senseOf: (report) => {
      const kind = unreadKind(report);
      return kind === undefined ? undefined : mediaSense(kind);
    },
    // A caption that says "看看这个" over a collapsed ceiling is still urgent: the photo's danger is never overruled.
    withWhatItShows: (report, label) =>
      !label.urgent && report.mediaKind === 'photo' && media.showsDanger(report.id) ? { ...label, urgent: true } : label,
  };
}
