-- Grouping that decides on meaning (issue 11).
-- Candidates are retrieved broadly: every live problem at the report's unit, whatever its category, newest first.
CREATE INDEX problems_unit_recent ON problems (unit_id, last_report_at) WHERE merged_into IS NULL;
-- The recent window of live problems whose embeddings are compared with a new report's.
CREATE INDEX problems_live_recent ON problems (last_report_at) WHERE merged_into IS NULL;

-- Embeddings (OPENAI_EMBEDDING_MODEL), little-endian Float32 vectors. A report is embedded once; a problem's vector is
-- the normalised mean of its latest reports' vectors, rewritten when a report joins. `model` names the model that
-- made the vector: vectors of another model are never compared with it.
CREATE TABLE report_vectors (
  report_id INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  vector BLOB NOT NULL,
  tokens INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE problem_vectors (
  problem_id INTEGER PRIMARY KEY REFERENCES problems (id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  vector BLOB NOT NULL,
  updated_at INTEGER NOT NULL
);

-- A vector is made from a resident's words: when they are erased (/forget), so is the vector, and the vector of the
-- problem it was part of (rebuilt from the other reports when the next one joins).
CREATE TRIGGER report_vectors_forget AFTER UPDATE OF text ON reports
WHEN OLD.text IS NOT NULL AND NEW.text IS NULL
BEGIN
  DELETE FROM report_vectors WHERE report_id = NEW.id;
  DELETE FROM problem_vectors WHERE problem_id = NEW.problem_id;
END;
-- A report that moves to another problem (/split, /merge) leaves both problems' vectors stale.
CREATE TRIGGER problem_vectors_moved AFTER UPDATE OF problem_id ON reports
WHEN OLD.problem_id IS NOT NULL AND OLD.problem_id IS NOT NEW.problem_id
BEGIN
  DELETE FROM problem_vectors WHERE problem_id IN (OLD.problem_id, NEW.problem_id);
END;
