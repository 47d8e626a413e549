-- Units' own chats (issue 13): bindings, one-time codes, dispatches to units, units' requests, and the audit of views.

-- A unit's group or its responsible person's private chat, bound to one or more directory units.
CREATE TABLE unit_chats (
  chat_id  INTEGER NOT NULL,
  unit_id  TEXT    NOT NULL,
  bound_by INTEGER NOT NULL,
  bound_at INTEGER NOT NULL,
  PRIMARY KEY (chat_id, unit_id)
);
CREATE INDEX unit_chats_unit ON unit_chats (unit_id);

-- Only the code's hash is kept: a copy of the database does not let anyone bind a chat.
CREATE TABLE unit_bind_codes (
  code_hash  TEXT    PRIMARY KEY,
  unit_ids   TEXT    NOT NULL,
  created_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  used_chat  INTEGER
);

-- One row per time a problem is sent to a unit (派单): its sign-for (签收) or return (退回).
CREATE TABLE unit_dispatches (
  id            INTEGER PRIMARY KEY,
  problem_id    INTEGER NOT NULL REFERENCES problems (id),
  unit_id       TEXT    NOT NULL,
  dispatched_at INTEGER NOT NULL,
  signed_at     INTEGER,
  signed_by     INTEGER,
  returned_at   INTEGER,
  return_reason TEXT
);
CREATE INDEX unit_dispatches_problem ON unit_dispatches (problem_id, id);

-- A unit asks the bureau: a later deadline (extend) or the review of its result (submit).
CREATE TABLE unit_requests (
  id           INTEGER PRIMARY KEY,
  problem_id   INTEGER NOT NULL REFERENCES problems (id),
  unit_id      TEXT    NOT NULL,
  chat_id      INTEGER NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('extend', 'submit')),
  note         TEXT    NOT NULL,
  deadline_at  INTEGER,
  state        TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'refused')),
  created_at   INTEGER NOT NULL,
  decided_at   INTEGER,
  decided_by   INTEGER
);
CREATE INDEX unit_requests_problem ON unit_requests (problem_id, state);

-- Who saw residents' texts or took an export, where and when (what: the command, never the content).
CREATE TABLE access_audit (
  id       INTEGER PRIMARY KEY,
  at       INTEGER NOT NULL,
  user_id  INTEGER NOT NULL,
  chat_id  INTEGER NOT NULL,
  action   TEXT    NOT NULL,
  subject  TEXT
);
CREATE INDEX access_audit_at ON access_audit (at);
