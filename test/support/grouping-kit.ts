import type { Db } from '../../src/db/database.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { loadDeadlineRule } from '../../src/domain/deadlines.ts';
import type { FacetVocabulary } from '../../src/problems/facets.ts';
import { createGrouping, type Grouping } from '../../src/problems/grouping.ts';
import type { LedgerTitles } from '../../src/problems/ledger-title.ts';
import { createProblemStore, type ProblemStore } from '../../src/problems/problem-store.ts';
import { createUnitRegistry, type UnitRegistry } from '../../src/units/unit-registry.ts';

const DAY = 86_400_000;

/**
 * The grouping as the app builds it over the sample unit directory, on the caller's database (real migrations):
 * each unit's names and aliases (and a report's written name) left out of the texts compared, written names read
 * loosely. `titles` and `facets` replace the defaults where a test needs to.
 */
export function sampleGrouping(db: Db, now: number, options: { titles?: LedgerTitles; facets?: FacetVocabulary } = {}): { grouping: Grouping; problems: ProblemStore; units: UnitRegistry } {
  const units = createUnitRegistry(db, () => now);
  const problems = createProblemStore(db);
  const grouping = createGrouping(
    problems,
    loadDeadlineRule(loadCatalogue(), 'Asia/Shanghai'),
    { recurringWithinMs: 30 * DAY, widespreadMinResidents: 5, widespreadWithinMs: 7 * DAY },
    (unitId, written) => {
      const unit = unitId ? units.get(unitId) : undefined;
      return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
    },
    options.titles,
    { writtenKey: (w) => units.writtenKey(w), ...(options.facets && { facets: options.facets }) },
  );
  return { grouping, problems, units };
}
