/**
 * The unit-scoped read model moved to unit-scope-queries.ts (SQL lives in stores). This name stays so the callers
 * (app.ts, question-tools.ts) keep their imports until they point at the queries file themselves.
 */
export { createUnitScopeQueries, type UnitScopeQueries } from './unit-scope-queries.ts';
