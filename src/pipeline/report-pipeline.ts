import type { Logger } from 'pino';
import { isBusyError, type Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import { becomesProblem, type Classification, type ClassifierName, type Language } from '../domain/classification.ts';
import { channelOf } from '../domain/channel.ts';
import type { DeadlineRule } from '../domain/deadlines.ts';
import type { ClassifyOutcome, ReportClassifier } from '../classify/report-classifier.ts';
import type { ReportStore, StoredReport } from '../intake/report-store.ts';
import { queueForEach } from '../outbox/broadcast.ts';
import type { Outbox, OutgoingMessage } from '../outbox/outbox.ts';
import type { Grouping, GroupingDecider, ReportForGrouping } from '../problems/grouping.ts';
import { similarityDecider } from '../problems/grouping.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { Embedder, VectorStore } from '../problems/vector-store.ts';
import type { Problem } from '../problems/problem.ts';
import { escalateToUrgent } from '../problems/escalation.ts';
import { summaryTitles, type LedgerTitles } from '../problems/ledger-title.ts';
import type { ThemeAlerts } from './theme-alerts.ts';
import type { StaffNotices } from '../replies/staff-notices.ts';
import type { Replies } from '../replies/replies.ts';
import type { NotProblems } from './not-problems.ts';
import type { KnowledgeAnswerer, KnowledgeOutcome } from '../knowledge/answering.ts';
import type { KnowledgeStore } from '../knowledge/knowledge-store.ts';
import type { KnowledgeEntry } from '../knowledge/knowledge-base.ts';
import type { KnowledgeReplies } from '../replies/knowledge-replies.ts';
import type { MediaStep } from './media-step.ts';
import { createWorkerLoop, type Job } from '../queue/worker-loop.ts';

const withSense = (sense: 'listen' | 'look' | undefined) => (sense ? { media: sense } : {});

/** An urgent alert about a photo carries the photo, the alert as its caption (the outbox fits it to 1,024). */
const withPhoto = (report: StoredReport, alert: OutgoingMessage): OutgoingMessage =>
  report.mediaKind === 'photo' && report.mediaFileId !== null && alert.type === 'text'
    ? { type: 'telegram_file', media: 'photo', fileId: report.mediaFileId, captionHtml: alert.html }
    : alert;

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
  /** Put a set-aside report back into the queue with fresh attempts; false when it is not set aside. */
  retry(reportId: number): boolean;
  /** Label a classified report again from its new text (a transcript or the resident's correction); undefined when it has none. */
  relabel(reportId: number): Promise<Classification | undefined>;
}

export interface ReportPipelineOptions {
  db: Db;
  reports: ReportStore;
  problems: ProblemStore;
  /** The deadline rule (src/domain/deadlines.ts): a problem found urgent on re-classification gets the urgent deadline. */
  deadlines: DeadlineRule;
  classifier: ReportClassifier;
  grouping: Grouping;
  decider?: GroupingDecider;
  matchUnit: (written: string) => string | null;
  /** The directory unit a report's text names, when the classifier's unit matched none (issue 11: 体育馆, 體育館, District Sports Hall). */
  spotUnit?: (text: string) => string | null;
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
  /** Attempts at classifying one report before it is set aside (default MAX_CLASSIFY_ATTEMPTS). */
  maxClassifyAttempts?: number;
  /** Voice notes and photos sent alone (issue 16); absent: such a report is classified from its empty text. */
  media?: MediaStep;
  /** Questions answered from the bureau's knowledge base instead of a ticket (issue 15); absent: every report is a ticket. */
  knowledge?: { answerer: KnowledgeAnswerer; store: KnowledgeStore; replies: KnowledgeReplies };
  /** Embeddings for grouping by meaning (issue 11, OPENAI_EMBEDDING_MODEL); absent: words, unit and subtopic decide. */
  meaning?: { embedder: Embedder; vectors: VectorStore };
  /** Praise and chit-chat kept off the problem list (issue 18); absent: every report is a problem. */
  notProblems?: NotProblems;
  /** The ledger-title rule a re-labelled one-report problem is titled by (issue 11); absent: the report's summary. */
  titles?: LedgerTitles;
  /** District-wide themes (issue 11): staff told once when a subtopic reaches several units; absent: never. */
  themes?: ThemeAlerts;
}

/**
 * A report whose classification has started this often without finishing (it threw, or the process hung or died
 * on it) is set aside: the resident is told a person will read it, staff are alerted, and the queue moves on.
 * Counted in the database before each attempt, so a report that freezes the bot cannot freeze it again after
 * every restart.
 */
export const MAX_CLASSIFY_ATTEMPTS = 3;
/** Background re-classifications of one report that may fail while the provider is up before its offline label stays. */
export const MAX_RECLASSIFY_FAILURES = 3;

export function createReportPipeline(options: ReportPipelineOptions): ReportPipeline {
  const { db, reports, problems, classifier, grouping, outbox, replies, staffNotices, logger } = options;
  const now = options.now ?? Date.now;
  const decider = options.decider ?? similarityDecider;
  const concurrency = options.concurrency ?? 16;
  const pollMs = options.pollIntervalMs ?? 1000;
  const retryAt = new Map<number, number>();
  const failures = new Map<number, number>();
  let reclassifyTimer: NodeJS.Timeout | undefined;
  let reclassifying: Promise<number> | undefined;

  // One job per report (its id is the key), `concurrency` at once; a report that failed waits out its backoff.
  const loop = createWorkerLoop<number>({
    concurrency,
    take(free, busy) {
      // Enough ids to fill the free slots past those in flight (concurrency - free) and those backing off.
      const ids = reports.pending(concurrency + (concurrency - free) + retryAt.size);
      const at = now();
      const jobs: Array<Job<number>> = [];
      for (const id of ids) {
        if (jobs.length >= free) break;
        if (busy(id) || (retryAt.get(id) ?? 0) > at) continue;
        retryAt.delete(id);
        jobs.push({ key: id, run: () => process(id) });
      }
      return jobs;
    },
    // A report backing off is still waiting: idle() waits for it too.
    hasDue: () => reports.pendingCount() > 0,
    nextLookInMs: () => pollMs,
    onJobError: (error) => logger.error({ err: error }, 'processing a report failed outside its own error handling'),
    onTakeError(error) {
      if (!isBusyError(error)) throw error;
      return pollMs; // the database's trouble: look again at the next poll
    },
  });

  async function process(id: number): Promise<void> {
    let counted = false;
    try {
      const report = reports.get(id);
      if (!report || report.state !== 'received' || report.setAsideAt !== null) return;
      const attempt = reports.beginAttempt(id);
      if (attempt === 0) return;
      counted = true;
      if (attempt > (options.maxClassifyAttempts ?? MAX_CLASSIFY_ATTEMPTS)) {
        setAside(report, attempt - 1);
        failures.delete(id);
        return;
      }
      const text = report.text ?? '';
      // A voice note or photo with no words yet is labelled for staff to look at, not classified from nothing.
      const unread = options.media?.unreadOutcome(report);
      const outcome = unread ?? (await classifier.classify(text, { residentId: report.residentId, stillWanted: () => reports.stillWanted(id) !== undefined }));
      const classified = options.media?.withWhatItShows(report, outcome.classification) ?? outcome.classification;
      // The LLM decides grouping only when it just answered for this report (not failing, not over the
      // resident's budget, not a flood), and the decision is paid from the same budget.
      const mayAskLlm = () => outcome.by === 'llm' && !report.flooded && classifier.spendBudget(report.residentId);
      // A question the knowledge base answers gets the answer instead of a ticket; "no" brings it back here,
      // asked once only. Urgent reports always reach staff. Before praise and chit-chat: the offline classifier
      // calls many bare questions (请问游泳馆几点开门) chit-chat, and they deserve the answer too.
      const knowledge = options.knowledge;
      const asked = knowledge && report.text ? knowledge.store.get(id) : undefined;
      // Answered from the base, or declined ("否"), it was a question whatever the classifier called it: a declined
      // one takes the normal way to a ticket, never the chit-chat reply.
      const label = asked ? asInquiry(classified) : classified;
      let unmatchedQuestion = false;
      if (knowledge && report.text && !label.urgent && !asked) {
        const answer = await knowledge.answerer.answer(report.text, label.kind, mayAskLlm);
        if (answer.answered) return offerAnswer(report, asInquiry(label), outcome, answer);
        // Entries close to the question: the resident chooses ("您是想问…?"). Only where buttons can be pressed: the
        // web page has none, so its questions take the normal way as before.
        if (answer.suggestions.length > 0 && channelOf(report.chatId) === 'telegram') return holdWithSuggestions(report, asInquiry(label), outcome, answer.suggestions);
        // Small talk the base does not answer stays small talk: not a gap in the base.
        unmatchedQuestion = answer.reason === 'no_match' && becomesProblem(label.kind);
      }
      // Praise and chit-chat are answered and recorded, never problems; anything urgent still reaches staff as one.
      if (options.notProblems && !label.urgent && !becomesProblem(label.kind)) return settleNotProblem(report, label, outcome, options.notProblems);
      const candidate = toGrouping(report, label);
      // Its meaning, when an embedding model is configured and the LLM just answered for this report (not a flood):
      // outside the transaction, cached, and any failure leaves it out, so grouping decides offline.
      if (options.meaning && !unread && outcome.by === 'llm' && !report.flooded) candidate.vector = await vectorOf(id, candidate.text, options.meaning);
      let chosen: number | null = null;
      try {
        // Two unheard voice notes share a placeholder label, not a problem: each waits for its own words.
        chosen = unread ? null : await decider.decide(candidate, grouping.shortlist(candidate, now()), mayAskLlm);
      } catch (error) {
        logger.warn({ err: error, reportId: id }, 'grouping decision failed; opening a new problem');
      }
      db.transaction(() => {
        // Read again after the awaits: answered meanwhile, or its resident forgotten (/forget): nothing is written or sent.
        const fresh = reports.stillWanted(id);
        if (!fresh || fresh.state !== 'received') return;
        reports.saveLabel(id, label, outcome.by, candidate.unitId, outcome.needsReclassify, now());
        if (outcome.reason === 'llm_refused') reports.markLlmRefused(id, now());
        const attached = grouping.attach(candidate, chosen, now());
        const joined = problems.get(attached.problemId)!;
        // Other residents on the problem it joined (this resident is one of residentCount, when known).
        queueAck(fresh, label, attached.opened ? 0 : Math.max(0, joined.residentCount - (fresh.residentId === null ? 0 : 1)));
        options.themes?.afterAttach(joined, now());
        if (unmatchedQuestion) knowledge?.store.unmatched(id, now());
        if (label.urgent) queueAlerts(fresh, label, candidate.unitId);
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
      if (isBusyError(error)) {
        // The database's trouble, not the report's: the attempt does not count towards setting it aside.
        if (counted) {
          try {
            reports.refundAttempt(id);
          } catch {
            // still busy: one attempt too many is counted, which only brings setting aside a little closer
          }
        }
        logger.warn({ reportId: id, retryInMs: delay }, 'database busy; report will be retried');
      } else logger.error({ err: error, reportId: id, attempt: count }, 'processing a report failed; it will be retried');
    }
  }

  /** A report's embedding: the stored one, else the model's (stored before the decision); null on any failure. */
  async function vectorOf(reportId: number, text: string, meaning: NonNullable<ReportPipelineOptions['meaning']>): Promise<Float32Array | null> {
    try {
      const known = meaning.vectors.reportVector(reportId, meaning.embedder.model);
      if (known) return known;
      const embedded = await meaning.embedder.embed(text);
      if (!embedded.success) {
        logger.info({ reportId, reason: embedded.message }, 'no embedding for a report; grouping decides offline');
        return null;
      }
      meaning.vectors.saveReportVector(reportId, meaning.embedder.model, embedded.vector, embedded.tokens, now());
      return embedded.vector;
    } catch (error) {
      logger.warn({ err: error, reportId }, 'embedding a report failed; grouping decides offline');
      return null;
    }
  }

  /** Out of the queue: the resident gets their one reply (a person will read it), staff get the text. */
  function setAside(report: StoredReport, attempts: number): void {
    let done = false;
    db.transaction(() => {
      if (!reports.setAside(report.id, now())) return;
      // The acknowledgement's own key: whatever happens to the report later, the resident is answered once.
      outbox.enqueue({ dedupeKey: `ack:${report.id}`, chatId: report.chatId, kind: 'reply', message: replies.setAside(report.replyLanguage, report.id) });
      queueStaff(`set-aside:${report.id}`, (lang) => staffNotices.setAside(lang, { ticket: report.id, text: report.text ?? '', attempts }));
      done = true;
    }).immediate();
    if (!done) return;
    options.onQueued();
    logger.error({ reportId: report.id, attempts }, 'a report could not be classified; set aside for staff (/retry to try again)');
  }

  /**
   * A question the knowledge base settles for now: the report is labelled but joins no problem; `record` notes what
   * was offered (false: it was already settled) and says what the resident is sent, once (by `dedupeKey`).
   */
  function settleQuestion(
    report: StoredReport,
    label: Classification,
    outcome: { by: 'llm' | 'offline'; needsReclassify: boolean },
    dedupeKey: string,
    record: (language: Language) => OutgoingMessage | false,
  ): void {
    db.transaction(() => {
      const fresh = reports.stillWanted(report.id);
      if (!fresh || fresh.state !== 'received') return;
      const unitId = label.unit ? options.matchUnit(label.unit) : null;
      reports.saveLabel(report.id, label, outcome.by, unitId, outcome.needsReclassify, now());
      const message = record(fresh.replyLanguage);
      if (message) outbox.enqueue({ dedupeKey, chatId: fresh.chatId, kind: 'status', message });
    }).immediate();
    failures.delete(report.id);
    options.onQueued();
  }

  /** The entry (or composed answer) with yes/no buttons. */
  function offerAnswer(report: StoredReport, label: Classification, outcome: { by: 'llm' | 'offline'; needsReclassify: boolean }, answer: Extract<KnowledgeOutcome, { answered: true }>): void {
    const knowledge = options.knowledge!;
    settleQuestion(report, label, outcome, `kb:${report.id}`, (language) => {
      knowledge.store.offered(report.id, answer.entry, answer.cited.map((e) => e.id), answer.by, now());
      return knowledge.replies.answer(language, report.id, answer);
    });
    logger.debug({ reportId: report.id, entryId: answer.entry.id, by: answer.by }, 'question answered from the knowledge base');
  }

  /**
   * No entry is confident, some are close: the resident gets one message with them as buttons and "none of these";
   * a choice, "none" or the timeout settles it (pipeline/knowledge-feedback.ts).
   */
  function holdWithSuggestions(report: StoredReport, label: Classification, outcome: { by: 'llm' | 'offline'; needsReclassify: boolean }, entries: readonly KnowledgeEntry[]): void {
    const knowledge = options.knowledge!;
    settleQuestion(report, label, outcome, `kbs:${report.id}`, (language) =>
      knowledge.store.suggested(report.id, entries.map((e) => e.id), now()) && knowledge.replies.suggestions(language, report.id, entries),
    );
    logger.debug({ reportId: report.id, entryIds: entries.map((e) => e.id) }, 'question held with knowledge-base suggestions');
  }

  /** A question answered from (or declined against) the knowledge base is an inquiry, whatever else it was called. */
  function asInquiry(label: Classification): Classification {
    return becomesProblem(label.kind) ? label : { ...label, kind: 'inquiry' };
  }

  /** Praise or chit-chat: labelled, answered and (praise) sent to staff as a commendation, in one transaction. */
  function settleNotProblem(report: StoredReport, label: Classification, outcome: { by: 'llm' | 'offline'; needsReclassify: boolean }, notProblems: NotProblems): void {
    let route: string | undefined;
    db.transaction(() => {
      const fresh = reports.stillWanted(report.id);
      if (!fresh || fresh.state !== 'received') return;
      const unitId = label.unit ? options.matchUnit(label.unit) : null;
      reports.saveLabel(report.id, label, outcome.by, unitId, outcome.needsReclassify, now());
      route = notProblems.settle(fresh, label, unitId);
    }).immediate();
    failures.delete(report.id);
    options.onQueued();
    logger.debug({ reportId: report.id, kind: label.kind, route, by: outcome.by }, 'report answered; not a problem');
  }

  function toGrouping(report: StoredReport, label: Classification): ReportForGrouping {
    return {
      id: report.id,
      text: report.text ?? label.summary,
      residentId: report.residentId,
      category: label.category,
      // Urgent praise or chit-chat ("谢谢，孩子今天又被打了") is handled as a complaint.
      kind: becomesProblem(label.kind) ? label.kind : 'complaint',
      urgent: label.urgent,
      unitId: (label.unit ? options.matchUnit(label.unit) : null) ?? options.spotUnit?.(report.text ?? '') ?? null,
      unitWritten: label.unit,
      summary: label.summary,
      subtopic: label.subtopic ?? null,
      title: label.title ?? null,
    };
  }

  function queueAck(report: StoredReport, label: Classification, others = 0): void {
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
        ...withSense(options.media?.senseOf(report)),
        ...(others > 0 && { others }),
      }),
    });
  }

  function queueAlerts(report: StoredReport, label: Classification, unitId: string | null): void {
    queueForEach(outbox, options.staffChatIds, {
      key: `alert:${report.id}`,
      kind: 'alert',
      // 🌐: filed on the residents' web page (issue 17).
      message: () => withPhoto(report, replies.alert(options.staffLanguage, { ticket: report.id, text: `${channelOf(report.chatId) === 'web' ? '🌐 ' : ''}${report.text ?? ''}`, classification: label, unitName: staffNotices.unitName(unitId) })),
    });
  }

  function queueStaff(key: string, render: (language: Language) => string): void {
    queueForEach(outbox, options.staffChatIds, { key, kind: 'notice', message: () => ({ type: 'text', html: render(options.staffLanguage) }) });
  }

  /**
   * Ask the LLM again about reports it could not label when they arrived. A report the LLM refuses keeps its
   * offline label for good; one that fails while the provider is up is passed over (and given up after a few
   * tries), so no single report holds up the others. Only a provider that is down ends the pass.
   */
  async function reclassifyPass(): Promise<number> {
    if (!classifier.hasLlm || classifier.breaker.state === 'open') return 0;
    let done = 0;
    for (const report of reports.needingReclassify(8)) {
      if (report.text === null) {
        reports.clearReclassify(report.id);
        continue;
      }
      const result = await classifier.reclassify(report.text, () => reports.stillWanted(report.id) !== undefined);
      if (result.status === 'labelled') {
        if (db.transaction(() => applyReclassification(report.id, result.label)).immediate()) done++;
      } else if (result.status === 'refused') {
        reports.markLlmRefused(report.id, now());
        logger.info({ reportId: report.id }, 'the LLM refused a report; its offline label stays');
      } else if (result.providerDown) {
        break; // try again on the next pass
      } else if (reports.countReclassifyFailure(report.id) >= MAX_RECLASSIFY_FAILURES) {
        reports.clearReclassify(report.id);
        logger.warn({ reportId: report.id, attempts: MAX_RECLASSIFY_FAILURES }, 'the LLM could not label a report; its offline label stays');
      }
    }
    if (done > 0) options.onQueued();
    return done;
  }

  /** Staff put a set-aside report back into the queue (/retry). */
  function retry(reportId: number): boolean {
    const back = reports.putBack(reportId);
    if (back) {
      failures.delete(reportId);
      retryAt.delete(reportId);
      loop.wake();
    }
    return back;
  }

  /** Inside a transaction after the LLM's await: the label saved; undefined when the report's resident was forgotten meanwhile. */
  function applyReclassification(reportId: number, model: Classification, by: ClassifierName = 'llm', retitle = false): Classification | undefined {
    const report = reports.stillWanted(reportId);
    if (!report) return undefined;
    const better = options.media?.withWhatItShows(report, model) ?? model;
    // The resident was already answered: a ticket stays a ticket and chit-chat stays in /inbox other (staff promote it).
    const label = report.kind !== null && becomesProblem(report.kind) !== becomesProblem(better.kind) ? { ...better, kind: report.kind } : better;
    const unitId = label.unit ? options.matchUnit(label.unit) : null;
    reports.saveLabel(report.id, label, by, unitId, false, now());
    const problem = report.problemId === null ? undefined : problems.get(report.problemId);
    // A problem that is only this report follows its better label; a shared problem is left to staff (/split).
    if (problem && problem.reportCount === 1 && (retitle || problem.category !== label.category || problem.unitId !== unitId || problem.subtopic !== (label.subtopic ?? null))) {
      const title = (options.titles ?? summaryTitles).forReport(toGrouping(report, label));
      problems.update(problem.id, { category: label.category, subtopic: label.subtopic ?? null, title, unitId, unitWritten: unitId ? null : label.unit }, now());
      problems.record(problem.id, { at: now(), actor: { type: 'system' }, action: 'reclassified', note: `${problem.category} → ${label.category}` });
    }
    if (label.urgent && !report.urgent) {
      // Read again: the problem may have been re-labelled just above.
      if (problem) escalateToUrgent(problems, options.deadlines, problems.get(problem.id)!, report.id, now());
      queueAlerts(report, label, unitId);
    }
    return label;
  }

  /** The report got words after it was answered (a voice note's transcript, issue 16): label them like new. */
  async function relabel(reportId: number): Promise<Classification | undefined> {
    const report = reports.get(reportId);
    if (!report?.text || report.state !== 'classified') return undefined;
    const outcome = await classifier.classify(report.text, { residentId: report.residentId, stillWanted: () => reports.stillWanted(reportId) !== undefined });
    const join = await laterJoin(report, outcome);
    const label = db.transaction(() => {
      const saved = applyReclassification(reportId, outcome.classification, outcome.by, true);
      if (saved && join !== null) joinInstead(reportId, saved, join);
      return saved;
    }).immediate();
    if (!label) return undefined;
    options.onQueued();
    return label;
  }

  /** A problem opened for a report that had no words yet (a voice note's placeholder), which staff have not touched. */
  const isPlaceholder = (problem: Problem | undefined): problem is Problem =>
    problem !== undefined && problem.reportCount === 1 && problem.status === 'new' && problem.responsibleUnitId === null && problem.mergedInto === null;

  /**
   * Words that came late (a transcript, a description) may be about a matter already on the list: the normal
   * grouping decides, as for any new report, whether the report leaves its placeholder for that problem.
   */
  async function laterJoin(report: StoredReport, outcome: ClassifyOutcome): Promise<number | null> {
    const own = report.problemId === null ? undefined : problems.get(report.problemId);
    if (!isPlaceholder(own)) return null;
    const candidate = toGrouping(report, options.media?.withWhatItShows(report, outcome.classification) ?? outcome.classification);
    const shortlist = grouping.shortlist(candidate, now(), 4).filter((c) => c.problem.id !== own.id).slice(0, 3);
    if (shortlist.length === 0) return null;
    const mayAskLlm = () => outcome.by === 'llm' && !report.flooded && classifier.spendBudget(report.residentId);
    try {
      return await decider.decide(candidate, shortlist, mayAskLlm);
    } catch (error) {
      logger.warn({ err: error, reportId: report.id }, 'grouping decision for late words failed; the report keeps its own problem');
      return null;
    }
  }

  /** Inside the relabelling transaction: the report joins `intoId`, and its emptied placeholder closes as merged into it. */
  function joinInstead(reportId: number, label: Classification, intoId: number): void {
    const report = reports.get(reportId);
    const own = report?.problemId == null ? undefined : problems.get(report.problemId);
    if (!report || !isPlaceholder(own)) return;
    const at = now();
    const attached = grouping.attach(toGrouping(report, label), intoId, at);
    if (attached.problemId === own.id) return;
    problems.recount(own.id);
    problems.update(own.id, { status: 'closed', closeReason: 'duplicate', closedAt: at, mergedInto: attached.problemId }, at);
    problems.record(own.id, { at, actor: { type: 'system' }, action: 'merged', fromStatus: own.status, toStatus: 'closed', note: `→ #${attached.problemId}` });
    problems.record(attached.problemId, { at, actor: { type: 'system' }, action: 'merged', note: `← #${own.id}`, data: { from: own.id, reports: 1 } });
    if (attached.reopened) queueStaff(`recurring:${attached.problemId}:${reportId}`, (lang) => staffNotices.recurring(lang, problems.get(attached.problemId)!, reportId));
    if (attached.becameWidespread) queueStaff(`widespread:${attached.problemId}`, (lang) => staffNotices.widespread(lang, problems.get(attached.problemId)!));
    options.themes?.afterAttach(problems.get(attached.problemId)!, at);
    logger.info({ reportId, from: own.id, into: attached.problemId }, 'a report with late words joined an existing problem');
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
          if (loop.running) scheduleReclassify();
        });
    }, interval);
    reclassifyTimer.unref?.();
  }

  return {
    start() {
      if (loop.running) return;
      loop.start();
      if (classifier.hasLlm) scheduleReclassify();
    },
    async stop() {
      if (reclassifyTimer) clearTimeout(reclassifyTimer);
      // The loop waits for the reports in flight and releases everyone waiting in idle().
      await Promise.allSettled([loop.stop(), reclassifying]);
    },
    wake: () => loop.wake(),
    idle: () => loop.idle(),
    reclassifyPass,
    retry,
    relabel,
  };
}
