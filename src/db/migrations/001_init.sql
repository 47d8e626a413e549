-- Minyi schema. Times are UTC epoch milliseconds (INTEGER): cheap to compare, index and subtract.

-- People who write to the bot in a private chat.
CREATE TABLE residents (
  id               INTEGER PRIMARY KEY,
  telegram_user_id INTEGER NOT NULL UNIQUE,
  chat_id          INTEGER NOT NULL,
  language         TEXT    NOT NULL CHECK (language IN ('zh', 'en')),
  -- Set by /lang: from then on Telegram's language_code no longer decides.
  language_chosen  INTEGER NOT NULL DEFAULT 0,
  -- Telegram answered 403: the resident blocked the bot; nothing more is sent until they write again.
  blocked_at       INTEGER,
  -- /forget: identity and texts erased; the reports stay in the statistics.
  forgotten_at     INTEGER,
  created_at       INTEGER NOT NULL
);

-- Every update exactly as Telegram delivered it, written before anything else happens,
-- so that a crash between receiving and handling loses nothing.
CREATE TABLE inbox (
  update_id   INTEGER PRIMARY KEY,
  chat_id     INTEGER,
  payload     TEXT    NOT NULL,
  received_at INTEGER NOT NULL,
  handled_at  INTEGER
);
CREATE INDEX inbox_unhandled ON inbox (update_id) WHERE handled_at IS NULL;
CREATE INDEX inbox_chat ON inbox (chat_id);

-- The units directory (schools, kindergartens, venues, bureau offices), loaded from prompts/units.json.
CREATE TABLE units (
  id   TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  town TEXT
);

-- Aliases staff add with /units alias (the data file's own aliases stay in the file).
CREATE TABLE unit_aliases (
  alias    TEXT PRIMARY KEY,
  unit_id  TEXT NOT NULL REFERENCES units (id),
  added_by INTEGER,
  added_at INTEGER NOT NULL
);

-- A problem (问题): one matter at one unit, the thing staff assign, supervise and resolve.
CREATE TABLE problems (
  id                  INTEGER PRIMARY KEY,
  title               TEXT    NOT NULL,
  category            TEXT    NOT NULL,
  unit_id             TEXT REFERENCES units (id),
  -- The unit as residents wrote it, when it matched nothing in the directory.
  unit_written        TEXT,
  urgent              INTEGER NOT NULL DEFAULT 0,
  status              TEXT    NOT NULL DEFAULT 'new'
                      CHECK (status IN ('new', 'assigned', 'in_progress', 'resolved', 'closed')),
  close_reason        TEXT CHECK (close_reason IN ('duplicate', 'not_our_responsibility', 'no_action_possible')),
  responsible_unit_id TEXT REFERENCES units (id),
  deadline_at         INTEGER,
  report_count        INTEGER NOT NULL DEFAULT 0,
  resident_count      INTEGER NOT NULL DEFAULT 0,
  first_report_at     INTEGER,
  last_report_at      INTEGER,
  recurring           INTEGER NOT NULL DEFAULT 0,
  recurring_at        INTEGER,
  widespread          INTEGER NOT NULL DEFAULT 0,
  widespread_at       INTEGER,
  -- The first staff action (assign, status, resolve, close): the response rate's clock stops here.
  first_response_at   INTEGER,
  resolved_at         INTEGER,
  closed_at           INTEGER,
  merged_into         INTEGER REFERENCES problems (id),
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX problems_open ON problems (category, unit_id, last_report_at) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX problems_created ON problems (created_at);
CREATE INDEX problems_status ON problems (status, id);
CREATE INDEX problems_deadline ON problems (deadline_at) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX problems_responsible ON problems (responsible_unit_id);

-- What residents said. Kept exactly as sent.
CREATE TABLE reports (
  id               INTEGER PRIMARY KEY,
  chat_id          INTEGER NOT NULL,
  message_id       INTEGER NOT NULL,
  resident_id      INTEGER REFERENCES residents (id),
  text             TEXT,
  media_kind       TEXT,
  media_file_id    TEXT,
  reply_language   TEXT    NOT NULL CHECK (reply_language IN ('zh', 'en')),
  received_at      INTEGER NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'classified')),
  category         TEXT,
  kind             TEXT CHECK (kind IN ('complaint', 'suggestion', 'inquiry', 'praise')),
  urgent           INTEGER,
  unit_written     TEXT,
  unit_id          TEXT REFERENCES units (id),
  summary          TEXT,
  language         TEXT,
  classified_by    TEXT CHECK (classified_by IN ('llm', 'offline')),
  classified_at    INTEGER,
  -- Classified offline because the LLM failed: the background pass asks the LLM again once it answers.
  needs_reclassify INTEGER NOT NULL DEFAULT 0,
  -- Arrived while the resident was over the flood limit.
  flooded          INTEGER NOT NULL DEFAULT 0,
  problem_id       INTEGER REFERENCES problems (id),
  UNIQUE (chat_id, message_id)
);
CREATE INDEX reports_pending ON reports (id) WHERE state = 'received';
CREATE INDEX reports_reclassify ON reports (id) WHERE needs_reclassify = 1;
CREATE INDEX reports_resident ON reports (resident_id, received_at);
CREATE INDEX reports_problem ON reports (problem_id, received_at);
CREATE INDEX reports_received ON reports (received_at, category);

-- Every change to a problem: who, when, what, note.
CREATE TABLE problem_events (
  id          INTEGER PRIMARY KEY,
  problem_id  INTEGER NOT NULL REFERENCES problems (id),
  at          INTEGER NOT NULL,
  -- 'system', 'staff:<telegram user id>' or 'resident:<resident id>'
  actor       TEXT    NOT NULL,
  action      TEXT    NOT NULL,
  from_status TEXT,
  to_status   TEXT,
  note        TEXT,
  data        TEXT
);
CREATE INDEX problem_events_problem ON problem_events (problem_id, at);
CREATE INDEX problem_events_at ON problem_events (at, action);

-- The resident's answer to "is it fixed?" and "how satisfied are you?", one row per report.
CREATE TABLE feedback (
  report_id  INTEGER PRIMARY KEY REFERENCES reports (id),
  problem_id INTEGER NOT NULL REFERENCES problems (id),
  -- The unit being judged, fixed when the question was asked.
  unit_id    TEXT,
  asked_at   INTEGER NOT NULL,
  fixed      TEXT CHECK (fixed IN ('fixed', 'partly', 'not_fixed')),
  fixed_at   INTEGER,
  rating     INTEGER CHECK (rating BETWEEN 1 AND 5),
  rated_at   INTEGER,
  comment    TEXT
);
CREATE INDEX feedback_fixed_at ON feedback (fixed_at);
CREATE INDEX feedback_rated_at ON feedback (rated_at);

-- Messages the bot owes someone. Written in the same transaction as the change that causes them,
-- delivered by the outbox sender, retried until Telegram accepts them.
CREATE TABLE outbox (
  id                  INTEGER PRIMARY KEY,
  -- What this message is about ('ack:128', 'alert:128:-100123'): the same key is never queued twice.
  dedupe_key          TEXT    NOT NULL UNIQUE,
  chat_id             INTEGER NOT NULL,
  kind                TEXT    NOT NULL,
  payload             TEXT    NOT NULL,
  state               TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'undeliverable')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt_at     INTEGER NOT NULL,
  last_error          TEXT,
  sent_at             INTEGER,
  telegram_message_id INTEGER,
  created_at          INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_chat ON outbox (chat_id, state);

-- LLM answers by text fingerprint: an identical text is never paid for twice.
CREATE TABLE classification_cache (
  text_hash  TEXT PRIMARY KEY,
  result     TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);

-- LLM calls made on behalf of each resident, for the per-resident budget.
CREATE TABLE llm_calls (
  id          INTEGER PRIMARY KEY,
  resident_id INTEGER,
  at          INTEGER NOT NULL
);
CREATE INDEX llm_calls_resident ON llm_calls (resident_id, at);

-- Scheduled jobs that must happen once per period (weekly digest per chat, daily overdue reminder).
CREATE TABLE schedule_runs (
  job     TEXT    NOT NULL,
  period  TEXT    NOT NULL,
  chat_id INTEGER NOT NULL,
  done_at INTEGER NOT NULL,
  PRIMARY KEY (job, period, chat_id)
);
