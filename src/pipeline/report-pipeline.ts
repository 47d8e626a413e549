import type { Logger } from 'pino';
import { isBusyError, type Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Classification, Language } from '../domain/classification.ts';
import type { ReportClassifier } from '../classify/report-classifier.ts';
import type { ReportStore, StoredReport } from '../intake/report-store.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Grouping, GroupingDecider, ReportForGrouping } from '../problems/grouping.ts';
import { similarityDecider } from '../problems/grouping.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { StaffNotices } from '../replies/staff-notices.ts';
import type { Replies } from '../replies/replies.ts';

/**
 * The pipeline after intake, one report at a time: classify → attach to a problem → queue the reply
 * (and the staff alert when urgent). Reports are picked from the database, so after a crash the same
 * loop finishes whatever was left; each report's outcome is written in one transaction.
 */
export interface ReportPipeline {
  start(): void;
  stop(): Promise<void>;
  /** A report was stored: look now instead of at the next timer. */
  wake(): void;
  /** Resolves when no report is waiting and none is being processed. */
  idle(): Promise<void>;
  /** Run one pass of background re-classification (also runs on a timer). */
  reclassifyPass(): Promise<number>;
}

export interface ReportPipelineOptions {
  db: Db;
  reports: ReportStore;
  problems: ProblemStore;
  classifier: ReportClassifier;
  grouping: Grouping;
  decider?: GroupingDecider;
  matchUnit: (written: string) => string | null;
  outbox: Outbox;
  replies: Replies;
  staffNotices: StaffNotices;
  catalogue: Catalogue;
  staffChatIds: readonly number[];
  staffLanguage: Language;
  /** Called after anything was queued in the outbox. */
  onQueued: () => void;
  logger: Logger;
  now?: () => number;
  concurrency?: number;
  pollIntervalMs?: number;
  reclassifyIntervalMs?: number;
}

export function createReportPipeline(options: ReportPipelineOptions): ReportPipeline {
  const { db, reports, problems, classifier, grouping, outbox, replies, staffNotices, logger } = options;
  const now = options.now ?? Date.now;
  const decider = options.decider ?? similarityDecider;
  const concurrency = options.concurrency ?? 16;
  const inFlight = new Map<number, Promise<void>>();
  const retryAt = new Map<number, number>();
  const failures = new Map<number, number>();
  const idleWaiters: Array<() => void> = [];
  let running = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let reclassifyTimer: NodeJS.Timeout | undefined;
  let reclassifying: Promise<number> | undefined;

  function fill(): void {
    if (!running) return;
    let ids: number[];
    try {
      ids = reports.pending(concurrency + inFlight.size + retryAt.size);
    } catch (error) {
      if (!isBusyError(error)) throw error;
      return; // the poll timer comes back
    }
    const at = now();
    for (const id of ids) {
      if (inFlight.size >= concurrency) break;
      if (inFlight.has(id) || (retryAt.get(id) ?? 0) > at) continue;
      retryAt.delete(id);
      const task = process(id).finally(() => {
        inFlight.delete(id);
        fill();
        settleIdle();
      });
      inFlight.set(id, task);
    }
    settleIdle();
  }

  function settleIdle(): void {
    if (inFlight.size > 0) return;
    let waiting = 0;
    try {
      waiting = reports.pendingCount();
    } catch {
      waiting = 1;
    }
    if (waiting > 0 && running) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  async function process(id: number): Promise<void> {
    try {
      const report = reports.get(id);
      if (!report || report.state !== 'received') return;
      const text = report.text ?? '';
      const outcome = await classifier.classify(text, { residentId: report.residentId });
      const label = outcome.classification;
      const candidate = toGrouping(report, label);
      let chosen: number | null = null;
      try {
        // The LLM decides grouping only when it just answered for this report (not failing, not over the
        // resident's budget, not a flood), and the decision is paid from the same budget.
        const mayAskLlm = () => outcome.by === 'llm' && !report.flooded && classifier.spendBudget(report.residentId);
        chosen = await decider.decide(candidate, grouping.shortlist(candidate, now()), mayAskLlm);
      } catch (error) {
        logger.warn({ err: error, reportId: id }, 'grouping decision failed; opening a new problem');
      }
      db.transaction(() => {
        const fresh = reports.get(id);
        if (!fresh || fresh.state !== 'received') return;
        reports.saveLabel(id, label, outcome.by, candidate.unitId, outcome.needsReclassify, now());
        const attached = grouping.attach(candidate, chosen, now());
        queueAck(report, label);
        if (label.urgent) queueAlerts(report, label, candidate.unitId);
        if (attached.reopened) queueStaff(`recurring:${attached.problemId}:${id}`, (lang) => staffNotices.recurring(lang, problems.get(attached.problemId)!, id));
        if (attached.becameWidespread) queueStaff(`widespread:${attached.problemId}`, (lang) => staffNotices.widespread(lang, problems.get(attached.problemId)!));
      }).immediate();
      failures.delete(id);
      options.onQueued();
      logger.debug({ reportId: id, category: label.category, urgent: label.urgent, by: outcome.by }, 'report classified and answered');
    } catch (error) {
      const count = (failures.get(id) ?? 0) + 1;
      failures.set(id, count);
      const delay = Math.min(60_000, 250 * 2 ** Math.min(count, 8));
      retryAt.set(id, now() + delay);
      if (isBusyError(error)) logger.warn({ reportId: id, retryInMs: delay }, 'database busy; report will be retried');
      else logger.error({ err: error, reportId: id, attempt: count }, 'processing a report failed; it will be retried');
    }
  }

  function toGrouping(report: StoredReport, label: Classification): ReportForGrouping {
    return {
      id: report.id,
      text: report.text ?? label.summary,
      residentId: report.residentId,
      category: label.category,
      urgent: label.urgent,
      unitId: label.unit ? options.matchUnit(label.unit) : null,
      unitWritten: label.unit,
      summary: label.summary,
    };
  }

  function queueAck(report: StoredReport, label: Classification): void {
    outbox.enqueue({
      dedupeKey: `ack:${report.id}`,
      chatId: report.chatId,
      kind: 'ack',
      message: replies.ack({
        language: report.replyLanguage,
        ticket: report.id,
        category: label.category,
        kind: label.kind,
        urgent: label.urgent,
        flooded: report.flooded,
      }),
    });
  }

  function queueAlerts(report: StoredReport, label: Classification, unitId: string | null): void {
    for (const chatId of options.staffChatIds) {
      outbox.enqueue({
        dedupeKey: `alert:${report.id}:${chatId}`,
        chatId,
        kind: 'alert',
        message: replies.alert(options.staffLanguage, { ticket: report.id, text: report.text ?? '', classification: label, unitName: staffNotices.unitName(unitId) }),
      });
    }
  }

  function queueStaff(key: string, render: (language: Language) => string): void {
    for (const chatId of options.staffChatIds) {
      outbox.enqueue({ dedupeKey: `${key}:${chatId}`, chatId, kind: 'notice', message: { type: 'text', html: render(options.staffLanguage) } });
    }
  }

  /** Ask the LLM again about reports it could not label when they arrived. */
  async function reclassifyPass(): Promise<number> {
    if (!classifier.hasLlm || classifier.breaker.state === 'open') return 0;
    let done = 0;
    for (const report of reports.needingReclassify(8)) {
      if (report.text === null) {
        reports.clearReclassify(report.id);
        continue;
      }
      const label = await classifier.reclassify(report.text);
      if (!label) break; // still down: try again on the next pass
      db.transaction(() => applyReclassification(report, label)).immediate();
      done++;
    }
    if (done > 0) options.onQueued();
    return done;
  }

  function applyReclassification(report: StoredReport, label: Classification): void {
    const unitId = label.unit ? options.matchUnit(label.unit) : null;
    reports.saveLabel(report.id, label, 'llm', unitId, false, now());
    const problem = report.problemId === null ? undefined : problems.get(report.problemId);
    // A problem that is only this report follows its better label; a shared problem is left to staff (/split).
    if (problem && problem.reportCount === 1 && (problem.category !== label.category || problem.unitId !== unitId)) {
      problems.update(problem.id, { category: label.category, title: label.summary, unitId, unitWritten: unitId ? null : label.unit }, now());
      problems.record(problem.id, { at: now(), actor: { type: 'system' }, action: 'reclassified', note: `${problem.category} → ${label.category}` });
    }
    if (label.urgent && !report.urgent) {
      if (problem && !problem.urgent) problems.update(problem.id, { urgent: true }, now());
      queueAlerts(report, label, unitId);
    }
  }

  function scheduleReclassify(): void {
    const interval = options.reclassifyIntervalMs ?? 10_000;
    reclassifyTimer = setTimeout(() => {
      reclassifying ??= reclassifyPass()
        .catch((error: unknown) => {
          logger.warn({ err: error }, 're-classification pass failed');
          return 0;
        })
        .finally(() => {
          reclassifying = undefined;
          if (running) scheduleReclassify();
        });
    }, interval);
    reclassifyTimer.unref?.();
  }

  return {
    start() {
      if (running) return;
      running = true;
      pollTimer = setInterval(fill, options.pollIntervalMs ?? 1000);
      pollTimer.unref?.();
      if (classifier.hasLlm) scheduleReclassify();
      fill();
    },
    async stop() {
      running = false;
      if (pollTimer) clearInterval(pollTimer);
      if (reclassifyTimer) clearTimeout(reclassifyTimer);
      await Promise.allSettled([...inFlight.values(), reclassifying]);
      for (const resolve of idleWaiters.splice(0)) resolve();
    },
    wake() {
      if (running) setImmediate(fill);
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    reclassifyPass,
  };
}
