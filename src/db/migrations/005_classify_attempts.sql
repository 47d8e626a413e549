-- A report that cannot be classified must not block the queue, nor hang the bot again after every restart.

-- Counted before each attempt, so an attempt that never finished (the process hung or died) still counts.
ALTER TABLE reports ADD COLUMN classify_attempts INTEGER NOT NULL DEFAULT 0;
-- Too many attempts: the report was taken out of the queue, the resident told a person will read it, and staff
-- alerted. Staff can put it back (/retry N).
ALTER TABLE reports ADD COLUMN set_aside_at INTEGER;
-- The LLM provider or model refused this text (content filter, refusal): the offline label stays for good. A
-- refusal is about the text, not the provider, and never counts against the circuit breaker.
ALTER TABLE reports ADD COLUMN llm_refused_at INTEGER;
-- Background re-classifications of this report that failed while the provider was up: after a few the offline
-- label stays, so one report the LLM cannot answer does not hold up the others.
ALTER TABLE reports ADD COLUMN reclassify_attempts INTEGER NOT NULL DEFAULT 0;

-- The pending queue skips set-aside reports; the re-classification queue takes the least-tried reports first.
DROP INDEX reports_pending;
CREATE INDEX reports_pending ON reports (id) WHERE state = 'received' AND set_aside_at IS NULL;
DROP INDEX reports_reclassify;
CREATE INDEX reports_reclassify ON reports (reclassify_attempts, id) WHERE needs_reclassify = 1;
CREATE INDEX reports_set_aside ON reports (id) WHERE set_aside_at IS NOT NULL AND state = 'received';
