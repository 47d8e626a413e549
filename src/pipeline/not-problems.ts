import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Classification, Language, Result } from '../domain/classification.ts';
import type { ReportStore, StoredReport } from '../intake/report-store.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { similarityDecider, type Grouping, type GroupingDecider, type ReportForGrouping } from '../problems/grouping.ts';
import type { Actor } from '../problems/problem.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { KindNotices } from '../replies/kind-notices.ts';
import type { Replies } from '../replies/replies.ts';
import { redactPersonalData } from '../domain/redact.ts';

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

const DAY = 86_400_000;

export function createNotProblems(options: NotProblemsOptions): NotProblems {
  const { db, reports, problems, grouping, outbox, replies, kindNotices } = options;
  const now = options.now ?? Date.now;
  const decider = options.decider ?? similarityDecider;
  const thanksWithinMs = options.thanksWithinMs ?? 3 * DAY;

  // The resident's report that staff last acted on (and so told them about) lately: assigned, started, resolved, closed.
  const recentNotice = db.prepare(
    `SELECT r.id AS reportId, r.problem_id AS problemId FROM reports r
       JOIN problem_events e ON e.problem_id = r.problem_id
      WHERE r.resident_id = ? AND r.problem_id IS NOT NULL AND e.at >= ? AND e.actor LIKE 'staff:%'
        AND (e.action = 'assigned' OR (e.action = 'status' AND e.to_status <> 'new'))
      ORDER BY e.at DESC, r.id LIMIT 1`,
  );
  const toComplaint = db.prepare(`UPDATE reports SET kind = 'complaint' WHERE id = ? AND kind = 'chitchat' AND problem_id IS NULL`);

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
        for (const chatId of options.staffChatIds) outbox.enqueue({ dedupeKey: `praise:${report.id}:${chatId}`, chatId, kind: 'notice', message });
        // The praised unit's own chat hears it too, with personal data masked as on its dispatch cards.
        if (unitId && options.unitChatsOf) {
          const masked = kindNotices.commendation(options.staffLanguage, {
            ticket: report.id,
            text: redactPersonalData(report.text ?? label.summary),
            category: label.category,
            unitName: options.unitName(unitId) ?? label.unit,
          });
          for (const chatId of options.unitChatsOf(unitId)) outbox.enqueue({ dedupeKey: `praise:${report.id}:${chatId}`, chatId, kind: 'notice', message: masked });
        }
        return 'praise';
      }
      const notice = report.residentId === null ? undefined : (recentNotice.get(report.residentId, now() - thanksWithinMs) as { reportId: number; problemId: number } | undefined);
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
          if (toComplaint.run(reportId).changes === 0) return undefined; // promoted by someone else meanwhile
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
