import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import type { Classification, ClassifierName } from '../domain/classification.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.ts';
import { createLimiter } from './limiter.ts';
import type { LlmClassifier } from './llm-classifier.ts';
import { createLlmCallStore } from './llm-call-store.ts';
import { extractUnit } from './offline/unit-extractor.ts';
import { HOUR } from '../domain/time.ts';

export interface OfflineLabeller {
  classifySync(text: string): Classification;
}

export interface ClassifyOutcome {
  classification: Classification;
  by: ClassifierName;
  /** Labelled offline because the LLM failed: ask the LLM again when it is back. */
  needsReclassify: boolean;
  /** Why the LLM was not used, when it was not. `llm_refused`: the provider refused this text (keep the offline label). */
  reason?: 'no_llm' | 'circuit_open' | 'budget' | 'llm_failed' | 'llm_refused';
}

/**
 * What asking the LLM again gave: a label; a refusal of this text (final); or nothing, because it failed or the
 * circuit is open (`providerDown` tells the two apart: after a failure the breaker may have opened).
 */
export type Reclassification =
  | { status: 'labelled'; label: Classification }
  | { status: 'refused' }
  | { status: 'failed'; providerDown: boolean };

export interface ReportClassifier {
  /** `stillWanted`: false once the report's resident was forgotten (/forget); the LLM's answer is then not cached. */
  classify(text: string, context: { residentId: number | null; stillWanted?: () => boolean }): Promise<ClassifyOutcome>;
  /** Ask the LLM only; the offline label stays unless it answers with a label. */
  reclassify(text: string, stillWanted?: () => boolean): Promise<Reclassification>;
  readonly hasLlm: boolean;
  /** Take one LLM call from a resident's budget for another task (the grouping decision); false when spent. */
  spendBudget(residentId: number | null): boolean;
  readonly breaker: CircuitBreaker;
  /** LLM requests actually made (cache hits and shared in-flight requests excluded). */
  readonly llmCalls: number;
}

export interface ReportClassifierOptions {
  db: Db;
  offline: OfflineLabeller;
  llm?: LlmClassifier;
  logger: Logger;
  concurrency?: number;
  /** LLM calls per resident per rolling hour; beyond it, the offline classifier answers. */
  budgetPerResidentHour?: number;
  breaker?: CircuitBreaker;
  now?: () => number;
}

/** Ten thousand characters take about 20 ms offline; ten times that is worth a warning. */
const SLOW_OFFLINE_MS = 200;

/** A label, a refusal of the text, or nothing (failed, or no slot while the circuit opened). */
type LlmAnswer = Classification | 'refused' | undefined;

// White space and case carry no meaning for a label: "一中 食堂太贵" and "一中食堂太贵" cost one call.
const fingerprint = (text: string) =>
  createHash('sha256').update(text.normalize('NFKC').replace(/[\s\u200b-\u200f\u2060\ufeff]+/g, '').toLowerCase()).digest('hex');

/** The classification cache's key for a resident's text (the fingerprint of its masked form); /forget removes it. */
export const classificationCacheKey = (text: string): string => fingerprint(redactPersonalData(text));

/**
 * The classify step of the pipeline: personal data masked, identical texts answered from the cache,
 * the LLM called within a concurrency bound, a per-resident budget and a circuit breaker, and the
 * offline classifier answering whenever the LLM cannot.
 */
export function createReportClassifier(options: ReportClassifierOptions): ReportClassifier {
  const { db, offline, llm, logger } = options;
  const now = options.now ?? Date.now;
  const breaker = options.breaker ?? createCircuitBreaker({ now });
  const limiter = createLimiter(options.concurrency ?? 16);
  const budget = options.budgetPerResidentHour ?? 20;
  const inFlight = new Map<string, Promise<LlmAnswer>>();
  /** Who waits for each text in flight: its answer is cached only while every one of them still wants it. */
  const waiting = new Map<string, Array<() => boolean>>();
  let llmCalls = 0;

  const calls = createLlmCallStore(db);
  const cached = (key: string): Classification | undefined => calls.cached(key);

  /** One LLM request per distinct text at a time; concurrent identical texts share it. */
  function askLlm(key: string, redacted: string, stillWanted: () => boolean = () => true): Promise<LlmAnswer> {
    const shared = inFlight.get(key);
    if (shared) {
      waiting.get(key)?.push(stillWanted);
      return shared;
    }
    waiting.set(key, [stillWanted]);
    const request = limiter
      .run(async () => {
        // The circuit may have opened while this request waited for a slot.
        if (!breaker.tryAcquire()) return undefined;
        llmCalls++;
        const result = await llm!.classify(redacted);
        if (result.success) {
          breaker.success();
          // /forget may have run while the LLM was answering: its summary retells their words, so it is not kept.
          if ((waiting.get(key) ?? []).every((wanted) => wanted())) calls.cache(key, result.data, now());
          return result.data;
        }
        if (result.refused) {
          // The provider answered: it is up. The refusal belongs to this text alone.
          breaker.success();
          logger.info({ circuit: breaker.state }, 'the LLM refused a text; using the offline classifier for it');
          return 'refused';
        }
        breaker.failure(result.retryAfterMs);
        logger.warn({ reason: result.message, circuit: breaker.state }, 'LLM classification failed; using the offline classifier');
        return undefined;
      })
      .finally(() => {
        inFlight.delete(key);
        waiting.delete(key);
      });
    inFlight.set(key, request);
    return request;
  }

  function offlineOutcome(text: string, reason: ClassifyOutcome['reason'], needsReclassify: boolean): ClassifyOutcome {
    const started = performance.now();
    const classification = offline.classifySync(text);
    const ms = performance.now() - started;
    // Its rules run in linear time (test/faults/regex-linear.test.ts); a slow one is the warning before a hang.
    if (ms > SLOW_OFFLINE_MS) logger.warn({ ms: Math.round(ms), chars: text.length }, 'offline classification was slow');
    return { classification, by: 'offline', needsReclassify, reason };
  }

  /** The LLM saw masked text; the unit it copied may differ from the original only where masking changed it. */
  function withOriginalUnit(label: Classification, text: string): Classification {
    if (label.unit && !text.includes(label.unit)) return { ...label, unit: extractUnit(text) };
    return label;
  }

  return {
    get hasLlm() {
      return llm !== undefined;
    },
    breaker,
    spendBudget(residentId) {
      if (!llm) return false;
      if (residentId !== null && calls.callsSince(residentId, now() - HOUR) >= budget) return false;
      calls.recordCall(residentId, now());
      return true;
    },
    get llmCalls() {
      return llmCalls;
    },
    async classify(text, { residentId, stillWanted }) {
      if (!llm) return offlineOutcome(text, 'no_llm', false);
      const redacted = redactPersonalData(text);
      const key = fingerprint(redacted);
      const hit = cached(key);
      if (hit) return { classification: withOriginalUnit(hit, text), by: 'llm', needsReclassify: false };
      if (breaker.state === 'open') return offlineOutcome(text, 'circuit_open', true);
      if (!inFlight.has(key)) {
        if (residentId !== null) {
          const used = calls.callsSince(residentId, now() - HOUR);
          // A flood must not run up the bill; these reports keep their offline label for good.
          if (used >= budget) return offlineOutcome(text, 'budget', false);
        }
        // Counted now, synchronously with the check, so concurrent reports cannot all pass it at once.
        calls.recordCall(residentId, now());
      }
      const label = await askLlm(key, redacted, stillWanted);
      if (label === 'refused') return offlineOutcome(text, 'llm_refused', false);
      if (label) return { classification: withOriginalUnit(label, text), by: 'llm', needsReclassify: false };
      return offlineOutcome(text, breaker.state === 'closed' ? 'llm_failed' : 'circuit_open', true);
    },
    async reclassify(text, stillWanted) {
      if (!llm || breaker.state === 'open') return { status: 'failed', providerDown: true };
      const redacted = redactPersonalData(text);
      const key = fingerprint(redacted);
      const hit = cached(key);
      if (!hit && !inFlight.has(key)) calls.recordCall(null, now());
      const label = hit ?? (await askLlm(key, redacted, stillWanted));
      if (label === 'refused') return { status: 'refused' };
      if (label) return { status: 'labelled', label: withOriginalUnit(label, text) };
      // Read again: the failure just counted may have opened the circuit.
      return { status: 'failed', providerDown: (breaker.state as CircuitBreaker['state']) === 'open' };
    },
  };
}
