import { summarize, type Summary } from './stats.ts';
import type { MachineInfo, Versions } from './machine.ts';

/**
 * The shape of bench/results.json. Each figure keeps its raw samples, its order statistics, the target
 * the issue sets (when it sets one) and a ratio to a baseline measured in the same run, so numbers from
 * a busier or slower machine can still be compared.
 */

/** cpu: a fixed JavaScript workload; sqlite: a fixed in-memory SQLite workload; http: a no-op round trip to the emulator. */
export type BaselineName = 'cpu' | 'sqlite' | 'http';

export interface Target {
  op: '<=' | '>=' | '==';
  value: number;
  /** How the issue states it, e.g. "< 300 ms". */
  text: string;
}

export interface Metric extends Summary {
  id: string;
  section: string;
  name: string;
  unit: string;
  samples: number[];
  /** Which statistic the target is judged on (default: median). */
  judgedOn?: 'median' | 'p95' | 'p99' | 'max';
  target?: Target;
  pass?: boolean;
  baseline?: BaselineName;
  /** median / the baseline's median. */
  ratio?: number;
  note?: string;
}

export interface MetricInput {
  id: string;
  section: string;
  name: string;
  unit: string;
  samples: number[];
  judgedOn?: Metric['judgedOn'];
  target?: Target;
  baseline?: BaselineName;
  note?: string;
}

export interface Results {
  mode: 'full' | 'quick';
  date: string;
  machine: MachineInfo;
  versions: Versions;
  /** Wall-clock time of the whole run, in seconds. */
  durationSeconds: number;
  settings: Record<string, unknown>;
  baselines: Partial<Record<BaselineName, Metric>>;
  metrics: Metric[];
  /** Facts that are not timings (counts, sizes, plans), by section. */
  facts: Record<string, Record<string, unknown>>;
}

export function check(value: number, target: Target): boolean {
  switch (target.op) {
    case '<=':
      return value <= target.value;
    case '>=':
      return value >= target.value;
    case '==':
      return value === target.value;
  }
}

export class ResultSet {
  readonly metrics: Metric[] = [];
  readonly baselines: Partial<Record<BaselineName, Metric>> = {};
  readonly facts: Record<string, Record<string, unknown>> = {};

  setBaseline(name: BaselineName, input: MetricInput): Metric {
    const metric = this.toMetric(input);
    this.baselines[name] = metric;
    return metric;
  }

  add(input: MetricInput): Metric {
    const metric = this.toMetric(input);
    const existing = this.metrics.findIndex((m) => m.id === metric.id);
    if (existing >= 0) this.metrics[existing] = metric;
    else this.metrics.push(metric);
    return metric;
  }

  fact(section: string, key: string, value: unknown): void {
    (this.facts[section] ??= {})[key] = value;
  }

  get(id: string): Metric | undefined {
    return this.metrics.find((m) => m.id === id);
  }

  private toMetric(input: MetricInput): Metric {
    const summary = summarize(input.samples);
    const metric: Metric = { ...input, ...summary, samples: input.samples.map((v) => Math.round(v * 1000) / 1000) };
    if (input.target) metric.pass = check(summary[input.judgedOn ?? 'median'], input.target);
    const base = input.baseline ? this.baselines[input.baseline] : undefined;
    if (base && base.median > 0) metric.ratio = summary.median / base.median;
    return metric;
  }
}
