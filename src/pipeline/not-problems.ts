import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Classification, Language, Result } from '../domain/classification.ts';
import type { ReportStore, StoredReport } from '../intake/report-store.ts';
import { queueForEach } from '../outbox/broadcast.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { similarityDecider, type Grouping, type GroupingDecider, type ReportForGrouping } from '../problems/grouping.ts';
import type { Actor } from '../problems/problem.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { KindNotices } from '../replies/kind-notices.ts';
import type { Replies } from '../replies/replies.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { DAY } from '../domain/time.ts';

/**
 * Praise and chit-chat (issue 18): labelled and stored like every report, answered, and kept off the problem
 * list. Praise goes to staff as a commendation naming the unit; chit-chat gets a word on what the channel is
 * for, unless it follows a notice about the resident's report, when it joins that report's history. Staff
 * can promote chit-chat the classifier got wrong into a complaint with one press.
 */
export interface NotProblems {
  /** Inside the pipeline's transaction, after the label is saved. */
  settle(report: StoredReport, label: Classification, unitId: string | null): 'praise' | 'chitchat' | 'thanks';
  /** Chit-chat becomes a complaint: a problem, a history event, and the resident's normal ticket. */
  promote(reportId: number, actor: Actor): Promise<Result<{ problemId: number }>>;
}

export interface NotProblemsOptions {
  db: Db;
  reports: ReportStore;
  problems: ProblemStore;
  grouping: Grouping;
  decider?: GroupingDecider;
  outbox: Outbox;
  replies: Replies;
  kindNotices: KindNotices;
  catalogue: Catalogue;
  unitName: (unitId: string | null) => string | null;
  staffChatIds: readonly number[];
  /** The chats bound to a unit (issue 13): praise of a unit reaches its own chat too. */
  unitChatsOf?: (unitId: string) => readonly number[];
  staffLanguage: Language;
  /** Chit-chat this soon after a staff action on the resident's report is about that report (default 3 days). */
  thanksWithinMs?: number;
  onQueued: () => void;
  now?: () => number;
}

export function createNotProblems(options: NotProblemsOptions): NotProblems {
  const { db, reports, problems, grouping, outbox, replies, kindNotices } = options;
  const now = options.now ?? Date.now;
  const decider = options.decider ?? similarityDecider;
  const thanksWithinMs = options.thanksWithinMs ?? 3 * DAY;


  function ack(report: StoredReport, label: Pick<Classification, 'category' | 'kind' | 'urgent'>, dedupeKey = `ack:${report.id}`): void {
    const part = { language: report.replyLanguage, ticket: report.id, category: label.category, kind: label.kind, urgent: label.urgent, flooded: report.flooded };
    outbox.enqueue({ dedupeKey, chatId: report.chatId, kind: 'ack', message: replies.ack(part) });
  }

  function toGrouping(report: StoredReport): ReportForGrouping {
    return {
      id: report.id,
      text: report.text ?? report.summary ?? '',
      residentId: report.residentId,
      category: report.category ?? options.catalogue.fallbackId,
      kind: 'complaint',
      urgent: false,
      unitId: report.unitId,
      unitWritten: report.unitWritten,
      summary: report.summary ?? '',
      subtopic: report.subtopic,
      title: report.title,
    };
  }

  return {
    settle(report, label, unitId) {
      if (label.kind === 'praise') {
        ack(report, label);
        const message = kindNotices.commendation(options.staffLanguage, {
          ticket: report.id,
          text: report.text ?? label.summary,
          category: label.category,
          unitName: options.unitName(unitId) ?? label.unit,
        });
        queueForEach(outbox, options.staffChatIds, { key: `praise:${report.id}`, kind: 'notice', message });
        // The praised unit's own chat hears it too, with personal data masked as on its dispatch cards.
        if (unitId && options.unitChatsOf) {
          const masked = kindNotices.commendation(options.staffLanguage, {
            ticket: report.id,
            text: redactPersonalData(report.text ?? label.summary),
            category: label.category,
            unitName: options.unitName(unitId) ?? label.unit,
          });
          queueForEach(outbox, options.unitChatsOf(unitId), { key: `praise:${report.id}`, kind: 'notice', message: masked });
        }
        return 'praise';
      }
      const notice = report.residentId === null ? undefined : reports.lastStaffAction(report.residentId, now() - thanksWithinMs);
      if (notice) {
        problems.record(notice.problemId, { at: now(), actor: { type: 'resident', residentId: report.residentId! }, action: 'resident_message', note: `#${report.id} → #${notice.reportId}`, data: { reportId: report.id } });
        outbox.enqueue({ dedupeKey: `ack:${report.id}`, chatId: report.chatId, kind: 'reply', message: replies.thanksNoted(report.replyLanguage, report.id, notice.reportId) });
        return 'thanks';
      }
      ack(report, label);
      return 'chitchat';
    },

    async promote(reportId, actor) {
      const report = reports.stillWanted(reportId);
      if (!report || report.kind !== 'chitchat' || report.problemId !== null) return { success: false, message: 'not_other' };
      const candidate = toGrouping(report);
      const chosen = await decider.decide(candidate, grouping.shortlist(candidate, now()));
      const problemId = db
        .transaction((): number | undefined => {
          // Its resident forgotten (/forget) during the grouping decision: their words must not become a problem.
          const fresh = reports.stillWanted(reportId);
          if (!fresh) return undefined;
          if (!reports.promoteToComplaint(reportId)) return undefined; // promoted by someone else meanwhile
          const attached = grouping.attach(candidate, chosen, now());
          problems.record(attached.problemId, { at: now(), actor, action: 'promoted', note: `#${reportId}`, data: { reportId } });
          // The acknowledgement the resident would have had: its own key, since the chit-chat answer used ack:N.
          ack(fresh, { category: candidate.category, kind: 'complaint', urgent: false }, `promoted:${reportId}`);
          return attached.problemId;
        })
        .immediate();
      if (problemId === undefined) return { success: false, message: 'not_other' };
      options.onQueued();
      return { success: true, data: { problemId } };
    },
  };
}
