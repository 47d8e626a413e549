-- The second level of the taxonomy (议题, prompts/subtopics.json) and ledger-line titles (issue 11).
-- A report carries the subtopic its classifier predicted (NULL: none predicted, or labelled before this migration)
-- and, when an LLM wrote one, a short title naming unit + matter; a problem carries the subtopic it is about.
ALTER TABLE reports ADD COLUMN subtopic TEXT;
ALTER TABLE reports ADD COLUMN title TEXT;
ALTER TABLE problems ADD COLUMN subtopic TEXT;
-- District-wide themes (一类问题): the same subtopic at several units within a window.
CREATE INDEX problems_subtopic ON problems (subtopic, last_report_at) WHERE subtopic IS NOT NULL AND merged_into IS NULL;
