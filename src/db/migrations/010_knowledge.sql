-- Questions matched against the knowledge base (src/knowledge/), one row per report that was a question.
--   offered:   an entry was sent with "did this answer your question?"; no problem opened yet
--   answered:  the resident pressed yes: closed as answered from the knowledge base
--   declined:  the resident pressed no: the report went the normal way (problem, staff, ticket)
--   unmatched: no entry answered it confidently: the normal way at once
-- 'declined' and 'unmatched' are the base's gaps, listed to staff by /questions.
CREATE TABLE knowledge_questions (
  report_id   INTEGER PRIMARY KEY REFERENCES reports (id),
  status      TEXT    NOT NULL CHECK (status IN ('offered', 'answered', 'declined', 'unmatched')),
  -- The entry given (its id is stable while its file and heading stay); its heading as it was then.
  entry_id    TEXT,
  entry_title TEXT,
  -- Every entry a composed (LLM) answer cited, as a JSON array of ids.
  cited       TEXT,
  answered_by TEXT CHECK (answered_by IN ('offline', 'llm')),
  asked_at    INTEGER NOT NULL,
  decided_at  INTEGER
);
CREATE INDEX knowledge_questions_asked ON knowledge_questions (asked_at, status);
