import type { Db } from '../db/database.ts';

/**
 * Embeddings of reports and problems (issue 11, migration 015), for finding a report's matter by meaning when an
 * embedding model is configured (OPENAI_EMBEDDING_MODEL). A report is embedded once; a problem's vector is the
 * normalised mean of its latest reports' vectors, rewritten when a report joins.
 *
 * No vector database: a district has at most a few thousand live problems, and a new report is compared with the
 * WINDOW most recently reported ones — 300 dot products of ~1,000 floats, well under a millisecond — read through an
 * index on last_report_at. Vectors of another model are never compared (dimensions and scales differ).
 */

/** What turns a text into a vector; the OpenAI adapter is src/classify/embedder.ts. */
export interface Embedder {
  readonly model: string;
  /** A unit-length vector, or a failure (no model, timeout, refusal, breaker open, garbage): the caller does without. */
  embed(text: string): Promise<{ success: true; vector: Float32Array; tokens: number } | { success: false; message: string }>;
}

export interface VectorStore {
  reportVector(reportId: number, model: string): Float32Array | undefined;
  saveReportVector(reportId: number, model: string, vector: Float32Array, tokens: number, at: number): void;
  /** Rebuild a problem's vector from its latest reports' vectors of `model` (inside the attach transaction). */
  refreshProblemVector(problemId: number, model: string, at: number): void;
  /** The live problems most like `vector` among the WINDOW most recently reported, best first. */
  nearest(vector: Float32Array, model: string, resolvedSince: number, k: number): Array<{ problemId: number; cosine: number }>;
  /** Cosines of `vector` with these problems' vectors (those that have one). */
  cosines(vector: Float32Array, model: string, problemIds: readonly number[]): Map<number, number>;
}

/** Live problems compared with a new report by meaning, newest first. */
export const WINDOW = 300;
/** A problem's vector is the mean of this many of its latest reports. */
const PER_PROBLEM = 20;

export const toBlob = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

export function fromBlob(blob: Buffer): Float32Array {
  // Copied: a Buffer from SQLite may not be 4-byte aligned for a Float32Array view.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Unit length, or undefined for a vector that is empty, zero or not finite. */
export function normalised(values: ArrayLike<number>): Float32Array | undefined {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return undefined;
    sum += v * v;
  }
  if (values.length === 0 || sum === 0) return undefined;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}

export function createVectorStore(db: Db): VectorStore {
  const selectReport = db.prepare('SELECT vector FROM report_vectors WHERE report_id = ? AND model = ?').pluck();
  const upsertReport = db.prepare(
    `INSERT INTO report_vectors (report_id, model, vector, tokens, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (report_id) DO UPDATE SET model = excluded.model, vector = excluded.vector, tokens = excluded.tokens, created_at = excluded.created_at`,
  );
  const latestOfProblem = db.prepare(
    `SELECT v.vector FROM reports r JOIN report_vectors v ON v.report_id = r.id AND v.model = ?
     WHERE r.problem_id = ? ORDER BY r.received_at DESC, r.id DESC LIMIT ${PER_PROBLEM}`,
  ).pluck();
  const upsertProblem = db.prepare(
    `INSERT INTO problem_vectors (problem_id, model, vector, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (problem_id) DO UPDATE SET model = excluded.model, vector = excluded.vector, updated_at = excluded.updated_at`,
  );
  const window = db.prepare(
    `SELECT p.id AS id, v.vector AS vector FROM problems p JOIN problem_vectors v ON v.problem_id = p.id AND v.model = @model
     WHERE p.merged_into IS NULL AND (p.status IN ('new', 'assigned', 'in_progress') OR (p.status = 'resolved' AND p.resolved_at >= @since))
     ORDER BY p.last_report_at DESC LIMIT ${WINDOW}`,
  );
  const ofProblems = db.prepare(
    'SELECT v.problem_id AS id, v.vector AS vector FROM json_each(?) AS j JOIN problem_vectors v ON v.problem_id = j.value AND v.model = ?',
  );

  return {
    reportVector(reportId, model) {
      const blob = selectReport.get(reportId, model) as Buffer | undefined;
      return blob ? fromBlob(blob) : undefined;
    },
    saveReportVector(reportId, model, vector, tokens, at) {
      upsertReport.run(reportId, model, toBlob(vector), tokens, at);
    },
    refreshProblemVector(problemId, model, at) {
      const vectors = (latestOfProblem.all(model, problemId) as Buffer[]).map(fromBlob);
      const first = vectors[0];
      if (!first) return;
      const sum = new Float64Array(first.length);
      for (const vector of vectors) if (vector.length === first.length) for (let i = 0; i < vector.length; i++) sum[i]! += vector[i]!;
      const mean = normalised(sum);
      if (mean) upsertProblem.run(problemId, model, toBlob(mean), at);
    },
    nearest(vector, model, resolvedSince, k) {
      return (window.all({ model, since: resolvedSince }) as Array<{ id: number; vector: Buffer }>)
        .map((row) => ({ problemId: row.id, cosine: dot(vector, fromBlob(row.vector)) }))
        .sort((a, b) => b.cosine - a.cosine || b.problemId - a.problemId)
        .slice(0, k);
    },
    cosines(vector, model, problemIds) {
      const result = new Map<number, number>();
      if (problemIds.length === 0) return result;
      for (const row of ofProblems.all(JSON.stringify(problemIds), model) as Array<{ id: number; vector: Buffer }>) result.set(row.id, dot(vector, fromBlob(row.vector)));
      return result;
    },
  };
}
