-- Indexes that keep staff commands under 300 ms and the pipeline's per-report work flat on a database of two
-- years of a large district (1,000,000 reports, 200,000 problems; docs/BENCHMARKS.md measures them).

-- Grouping: the open (or recently resolved) problems of a category and unit, newest activity first
-- (problem-store candidates). The query's "open OR resolved since" cannot use a partial index of open problems,
-- so without this one SQLite read every resolved problem for every report: about a second per report at two
-- years. With it, the newest problems of the category and unit are read in order until 40 are found.
CREATE INDEX problems_grouping ON problems (category, unit_id, last_report_at);
-- Superseded by problems_grouping, and no query could use it.
DROP INDEX problems_open;

-- /problems filters. Each list counts and pages problems that are not merged away; these partial indexes hold
-- exactly those, so the count is read from the index and the page by id from its end.
CREATE INDEX problems_live_category ON problems (category, id) WHERE merged_into IS NULL;
CREATE INDEX problems_live_unit ON problems (unit_id, id) WHERE merged_into IS NULL;
CREATE INDEX problems_live_responsible ON problems (responsible_unit_id, id) WHERE merged_into IS NULL;
-- The same, for every problem: only the unit filter used it, and SQLite preferred it to the one above.
DROP INDEX problems_responsible;
CREATE INDEX problems_live_status ON problems (status, id) WHERE merged_into IS NULL;
CREATE INDEX problems_live_widespread ON problems (id) WHERE widespread = 1 AND merged_into IS NULL;
CREATE INDEX problems_live_recurring ON problems (id) WHERE recurring = 1 AND merged_into IS NULL;
-- Open problems in the order the open, overdue and urgent lists show them: a page is read from the index in
-- order instead of sorting every open problem. Open is written "not resolved or closed" here and in the
-- queries, as problems_deadline (001) is, so that SQLite sees the queries match these partial indexes.
CREATE INDEX problems_open_queue ON problems (urgent DESC, deadline_at, id DESC) WHERE status NOT IN ('resolved', 'closed');

-- The outbox sender's due messages, oldest first (outbox.due, on every delivery and every queued message).
-- ORDER BY id made SQLite walk the whole outbox in id order looking for pending rows — millions of sent
-- messages at two years, about a second per call. Pending rows are few; this index holds only them, in id order.
CREATE INDEX outbox_pending ON outbox (id, next_attempt_at) WHERE state = 'pending';

-- /units unmatched (and the relinking after /units alias): the few reports whose unit matched nothing.
CREATE INDEX reports_unmatched ON reports (unit_written, received_at) WHERE unit_id IS NULL AND unit_written IS NOT NULL;

-- /search: the words of reports, as trigrams, so a word of three characters or more is found without reading
-- every report (a second per search at two years). Shorter words cannot use it (see problem-queries.ts).
-- Kept in step with reports by the triggers below; secure-delete makes a deleted or erased text (/forget)
-- leave the index itself, not only the results.
CREATE VIRTUAL TABLE reports_fts USING fts5(text, content = 'reports', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO reports_fts (reports_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO reports_fts (reports_fts) VALUES ('rebuild');

CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports WHEN new.text IS NOT NULL BEGIN
  INSERT INTO reports_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports WHEN old.text IS NOT NULL BEGIN
  INSERT INTO reports_fts (reports_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF text ON reports BEGIN
  INSERT INTO reports_fts (reports_fts, rowid, text) SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
  INSERT INTO reports_fts (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;
