import type { Db } from '../db/database.ts';

/** A commendation (表扬): a praise report, which never joins a problem. */
export interface Commendation {
  id: number;
  receivedAt: number;
  category: string | null;
  unitId: string | null;
  unitWritten: string | null;
  summary: string | null;
  /** Null once the resident asked to be forgotten. */
  text: string | null;
}

/** A message that was not feedback (chit-chat), waiting in case the classifier was wrong. */
export interface OtherMessage {
  id: number;
  receivedAt: number;
  summary: string | null;
  text: string | null;
}

export interface AdoptedSuggestion {
  id: number;
  title: string;
  unitId: string | null;
  closedAt: number;
}

/** Reads for praise, chit-chat and adopted suggestions: /praise, /inbox other and the digest (praise per unit: digest/rates.ts). */
export interface KindQueries {
  commendations(from: number, to: number, unitId: string | null, limit: number): { total: number; list: Commendation[] };
  otherMessages(limit: number): { total: number; list: OtherMessage[] };
  adoptedSuggestions(from: number, to: number, limit: number): { total: number; list: AdoptedSuggestion[] };
}

export function createKindQueries(db: Db): KindQueries {
  // Each reads the partial indexes of migration 011: only praise, only unpromoted chit-chat, only adopted.
  const PRAISE = `FROM reports WHERE kind = 'praise' AND received_at >= @from AND received_at < @to`;
  const praiseAll = db.prepare(`SELECT id, received_at AS receivedAt, category, unit_id AS unitId, unit_written AS unitWritten, summary, text ${PRAISE} ORDER BY received_at DESC, id DESC LIMIT @limit`);
  const praiseAllCount = db.prepare(`SELECT COUNT(*) ${PRAISE}`).pluck();
  const praiseOfUnit = db.prepare(`SELECT id, received_at AS receivedAt, category, unit_id AS unitId, unit_written AS unitWritten, summary, text ${PRAISE} AND unit_id = @unitId ORDER BY received_at DESC, id DESC LIMIT @limit`);
  const praiseOfUnitCount = db.prepare(`SELECT COUNT(*) ${PRAISE} AND unit_id = @unitId`).pluck();
  const OTHER = `FROM reports WHERE kind = 'chitchat' AND problem_id IS NULL`;
  const others = db.prepare(`SELECT id, received_at AS receivedAt, summary, text ${OTHER} ORDER BY id DESC LIMIT ?`);
  const othersCount = db.prepare(`SELECT COUNT(*) ${OTHER}`).pluck();
  const ADOPTED = `FROM problems WHERE close_reason = 'adopted' AND closed_at >= ? AND closed_at < ?`;
  const adopted = db.prepare(`SELECT id, title, COALESCE(responsible_unit_id, unit_id) AS unitId, closed_at AS closedAt ${ADOPTED} ORDER BY closed_at DESC LIMIT ?`);
  const adoptedCount = db.prepare(`SELECT COUNT(*) ${ADOPTED}`).pluck();

  return {
    commendations(from, to, unitId, limit) {
      const params = { from, to, limit, ...(unitId && { unitId }) };
      return unitId
        ? { total: praiseOfUnitCount.get(params) as number, list: praiseOfUnit.all(params) as Commendation[] }
        : { total: praiseAllCount.get(params) as number, list: praiseAll.all(params) as Commendation[] };
    },
    otherMessages(limit) {
      return { total: othersCount.get() as number, list: others.all(limit) as OtherMessage[] };
    },
    adoptedSuggestions(from, to, limit) {
      return { total: adoptedCount.get(from, to) as number, list: adopted.all(from, to, limit) as AdoptedSuggestion[] };
    },
  };
}
