import type { Db } from '../db/database.ts';
import { createUnitDirectory, loadUnitFile, type Unit, type UnitDirectory, type UnitFile } from './unit-directory.ts';

/**
 * The units directory as the running bot uses it: the data file, plus aliases staff add with
 * /units alias (stored in the database), mirrored into the `units` table so queries can join on it.
 */
export interface UnitRegistry {
  readonly district: string;
  all(): readonly Unit[];
  get(id: string): Unit | undefined;
  name(id: string): string | undefined;
  /** A unit's name as people read it: the directory's name, or the id itself when the directory has none. */
  displayName(id: string): string;
  /** The directory unit a name as written refers to, or null. */
  match(written: string): string | null;
  /** The directory unit (not a bureau office) a free text names, for reports whose written unit matched nothing. */
  spot(text: string): string | null;
  /** The comparable key of a name not in the directory (启航培训班 and 启航教育 share 启航). */
  writtenKey(written: string): string;
  /** Resolve a staff argument: a unit id, a name or an alias. */
  resolve(nameOrId: string): Unit | undefined;
  addAlias(alias: string, unitNameOrId: string, staffUserId: number | null): Unit;
  /** Names residents wrote that matched no unit, most frequent first. */
  unmatched(limit: number): Array<{ written: string; reports: number; lastAt: number }>;
}

export function createUnitRegistry(db: Db, now: () => number = Date.now, file: UnitFile = loadUnitFile()): UnitRegistry {
  const upsert = db.prepare(
    `INSERT INTO units (id, name, type, town) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, town = excluded.town`,
  );
  db.transaction(() => {
    for (const unit of file.units) upsert.run(unit.id, unit.name, unit.type, unit.town);
  })();

  const stored = db.prepare('SELECT alias, unit_id AS unitId FROM unit_aliases').all() as Array<{ alias: string; unitId: string }>;
  const known = new Set(file.units.map((u) => u.id));
  const directory: UnitDirectory = createUnitDirectory(
    file.units,
    stored.filter((a) => known.has(a.unitId)),
  );
  const insertAlias = db.prepare(
    `INSERT INTO unit_aliases (alias, unit_id, added_by, added_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (alias) DO UPDATE SET unit_id = excluded.unit_id, added_by = excluded.added_by, added_at = excluded.added_at`,
  );
  // Once an alias is known, reports and problems that carried a matching name as written join the unit.
  const unmatchedNames = db.prepare('SELECT DISTINCT unit_written AS written FROM reports WHERE unit_id IS NULL AND unit_written IS NOT NULL');
  const relinkReports = db.prepare('UPDATE reports SET unit_id = ? WHERE unit_id IS NULL AND unit_written = ?');
  const relinkProblems = db.prepare('UPDATE problems SET unit_id = ?, unit_written = NULL WHERE unit_id IS NULL AND unit_written = ?');
  const unmatched = db.prepare(
    `SELECT unit_written AS written, COUNT(*) AS reports, MAX(received_at) AS lastAt FROM reports
     WHERE unit_id IS NULL AND unit_written IS NOT NULL GROUP BY unit_written ORDER BY reports DESC, lastAt DESC LIMIT ?`,
  );

  const resolve = (nameOrId: string): Unit | undefined => directory.get(nameOrId.trim()) ?? directory.match(nameOrId)?.unit;

  return {
    district: file.district,
    all: () => directory.all(),
    get: (id) => directory.get(id),
    name: (id) => directory.get(id)?.name,
    displayName: (id) => directory.get(id)?.name ?? id,
    match: (written) => directory.match(written)?.unit.id ?? null,
    spot: (text) => directory.unitIn(text)?.id ?? null,
    writtenKey: (written) => directory.writtenKey(written),
    resolve,
    addAlias(alias, unitNameOrId, staffUserId) {
      const unit = resolve(unitNameOrId);
      if (!unit) throw new Error(`unknown unit: ${unitNameOrId}`);
      directory.addAlias(alias, unit.id);
      db.transaction(() => {
        insertAlias.run(alias.trim(), unit.id, staffUserId, now());
        for (const { written } of unmatchedNames.all() as Array<{ written: string }>) {
          const matched = directory.match(written)?.unit.id;
          if (!matched) continue;
          relinkReports.run(matched, written);
          relinkProblems.run(matched, written);
        }
      })();
      return unit;
    },
    unmatched: (limit) => unmatched.all(limit) as Array<{ written: string; reports: number; lastAt: number }>,
  };
}
