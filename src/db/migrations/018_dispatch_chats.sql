-- Whether a dispatch reached the unit's own chat (issue 13): only then could the unit sign for it, and only then does
-- its sign-for decide the response rate. A dispatch to a unit without a bound chat is the bureau's to answer.
ALTER TABLE unit_dispatches ADD COLUMN chats INTEGER NOT NULL DEFAULT 0;

-- Dispatches made before this column: each card sent was recorded as a view ('dispatch') at the dispatch's time.
UPDATE unit_dispatches SET chats = (
  SELECT COUNT(DISTINCT a.chat_id) FROM access_audit a
  WHERE a.action = 'dispatch' AND a.subject = CAST(unit_dispatches.problem_id AS TEXT) AND a.at = unit_dispatches.dispatched_at
);
