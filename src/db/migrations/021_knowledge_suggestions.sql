-- Suggestions the resident can pick (issue 15, "您是想问…?"): a question no entry answered confidently, but with
-- entries close to it, is held with up to three of them as buttons.
--   suggested: the entries were offered as a choice; no problem, no ticket yet. A pick makes it 'offered' with the
--              chosen entry (then yes → answered, no → declined); "none of these" makes it 'declined'; no press
--              within KNOWLEDGE_SUGGEST_TIMEOUT makes it 'unmatched'. The last two take the normal way to a ticket.
-- SQLite cannot alter a CHECK constraint: the table is rebuilt with the wider list and every row copied.
CREATE TABLE knowledge_questions_021 (
  report_id   INTEGER PRIMARY KEY REFERENCES reports (id),
  status      TEXT    NOT NULL CHECK (status IN ('offered', 'answered', 'declined', 'unmatched', 'suggested')),
  entry_id    TEXT,
  entry_title TEXT,
  cited       TEXT,
  answered_by TEXT CHECK (answered_by IN ('offline', 'llm')),
  asked_at    INTEGER NOT NULL,
  decided_at  INTEGER,
  -- The suggested entries' ids, in the order of their buttons, as a JSON array (ids only: headings change).
  suggested   TEXT
);
INSERT INTO knowledge_questions_021 (report_id, status, entry_id, entry_title, cited, answered_by, asked_at, decided_at)
SELECT report_id, status, entry_id, entry_title, cited, answered_by, asked_at, decided_at FROM knowledge_questions;
DROP TABLE knowledge_questions;
ALTER TABLE knowledge_questions_021 RENAME TO knowledge_questions;
CREATE INDEX knowledge_questions_asked ON knowledge_questions (asked_at, status);
-- The timeout sweep looks only at held questions (asked_at is when the suggestions were sent).
CREATE INDEX knowledge_questions_suggested ON knowledge_questions (asked_at) WHERE status = 'suggested';
