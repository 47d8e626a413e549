-- Not every message is a problem (issue 18): praise is a commendation, chit-chat gets a helpful answer, and
-- neither is on the problem list; suggestions are problems that can be closed as adopted or noted.

-- reports.kind gains 'chitchat'; problems.close_reason gains 'adopted' and 'noted' (采纳 / 已阅). SQLite cannot
-- ALTER a CHECK constraint; its documented way to loosen one is to edit the stored table definition (every
-- existing row stays valid under a wider list) and reload the schema. The migration runner allows it.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'kind IN (''complaint'', ''suggestion'', ''inquiry'', ''praise'')',
                          'kind IN (''complaint'', ''suggestion'', ''inquiry'', ''praise'', ''chitchat'')')
 WHERE type = 'table' AND name = 'reports';
UPDATE sqlite_schema
   SET sql = replace(sql, 'close_reason IN (''duplicate'', ''not_our_responsibility'', ''no_action_possible'')',
                          'close_reason IN (''duplicate'', ''not_our_responsibility'', ''no_action_possible'', ''adopted'', ''noted'')')
 WHERE type = 'table' AND name = 'problems';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;

-- A problem's kind decides its deadline (prompts/deadlines.json) and how it may be closed.
ALTER TABLE problems ADD COLUMN kind TEXT NOT NULL DEFAULT 'complaint' CHECK (kind IN ('complaint', 'suggestion', 'inquiry'));

-- Existing problems that held nothing but praise (or chit-chat) were never problems: they leave the list, with
-- the problems merged into them, their history and survey rows; their reports stay, as commendations. Problems
-- that held praise beside real reports keep the real ones, and a history event says which report left.
CREATE TEMP TABLE kinds_moved_out (id INTEGER PRIMARY KEY);
WITH RECURSIVE gone (id) AS (
  SELECT p.id FROM problems p
   WHERE EXISTS (SELECT 1 FROM reports r WHERE r.problem_id = p.id)
     AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.problem_id = p.id AND (r.kind IS NULL OR r.kind NOT IN ('praise', 'chitchat')))
  UNION
  SELECT p.id FROM problems p JOIN gone g ON p.merged_into = g.id
)
INSERT INTO kinds_moved_out (id) SELECT id FROM gone;

INSERT INTO meta (key, value)
SELECT 'migration_011', json_object(
  'problems_removed', (SELECT COUNT(*) FROM kinds_moved_out),
  'reports_moved', (SELECT COUNT(*) FROM reports WHERE kind IN ('praise', 'chitchat') AND problem_id IS NOT NULL),
  'at', CAST(unixepoch('subsec') * 1000 AS INTEGER));

INSERT INTO problem_events (problem_id, at, actor, action, note, data)
SELECT r.problem_id, CAST(unixepoch('subsec') * 1000 AS INTEGER), 'system', 'moved_out', '#' || r.id, json_object('reportId', r.id, 'kind', r.kind)
  FROM reports r
 WHERE r.kind IN ('praise', 'chitchat') AND r.problem_id IS NOT NULL AND r.problem_id NOT IN (SELECT id FROM kinds_moved_out);

DELETE FROM feedback WHERE problem_id IN (SELECT id FROM kinds_moved_out);
DELETE FROM problem_events WHERE problem_id IN (SELECT id FROM kinds_moved_out);
CREATE TEMP TABLE kinds_touched AS SELECT DISTINCT problem_id AS id FROM reports WHERE kind IN ('praise', 'chitchat') AND problem_id IS NOT NULL;
UPDATE reports SET problem_id = NULL WHERE kind IN ('praise', 'chitchat') AND problem_id IS NOT NULL;
DELETE FROM problems WHERE id IN (SELECT id FROM kinds_moved_out);
UPDATE problems SET
  report_count = (SELECT COUNT(*) FROM reports WHERE problem_id = problems.id),
  resident_count = (SELECT COUNT(DISTINCT resident_id) FROM reports WHERE problem_id = problems.id),
  first_report_at = (SELECT MIN(received_at) FROM reports WHERE problem_id = problems.id),
  last_report_at = (SELECT MAX(received_at) FROM reports WHERE problem_id = problems.id)
 WHERE id IN (SELECT id FROM kinds_touched);

-- The kind of each remaining problem is its first report's.
UPDATE problems SET kind = COALESCE(
  (SELECT r.kind FROM reports r WHERE r.problem_id = problems.id AND r.kind IN ('complaint', 'suggestion', 'inquiry') ORDER BY r.id LIMIT 1),
  'complaint');
DROP TABLE kinds_moved_out;
DROP TABLE kinds_touched;

-- /praise, and praise per unit in the digest and /ranking: commendations by time, and by unit and time.
CREATE INDEX reports_praise ON reports (received_at) WHERE kind = 'praise';
CREATE INDEX reports_praise_unit ON reports (unit_id, received_at) WHERE kind = 'praise';
-- /inbox other: chit-chat not promoted to a report, newest first.
CREATE INDEX reports_chitchat ON reports (id) WHERE kind = 'chitchat' AND problem_id IS NULL;
-- Adopted suggestions in the digest.
CREATE INDEX problems_adopted ON problems (closed_at) WHERE close_reason = 'adopted';
