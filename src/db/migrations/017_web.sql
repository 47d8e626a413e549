-- A web page for residents without Telegram (issue 17): a resident is a person with a channel.

-- A web resident has no Telegram user. SQLite's documented way to drop a NOT NULL constraint edits the stored
-- table definition (every existing row stays valid); UNIQUE allows any number of NULLs.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'telegram_user_id INTEGER NOT NULL UNIQUE', 'telegram_user_id INTEGER UNIQUE')
 WHERE type = 'table' AND name = 'residents';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;

-- 'telegram': chat_id is a Telegram chat. 'web': chat_id is an address no Telegram chat can have
-- (src/domain/channel.ts), so every message queued for it is delivered to the tracking page, never to Telegram.
ALTER TABLE residents ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram' CHECK (channel IN ('telegram', 'web'));

-- One row per report filed on the web page or its API. The tracking token is its only key and only its hash is
-- kept: a copy of the database does not open anyone's tracking page.
CREATE TABLE web_reports (
  report_id       INTEGER PRIMARY KEY REFERENCES reports (id),
  token_hash      TEXT    NOT NULL UNIQUE,
  -- A retried submission (the answer was lost, the server restarted) finds its report instead of filing it twice.
  submission_hash TEXT UNIQUE,
  -- Phone or e-mail, AES-256-GCM with WEB_CONTACT_KEY; NULL when none was given or no key is configured.
  contact_sealed  TEXT,
  contact_kind    TEXT CHECK (contact_kind IN ('phone', 'email')),
  -- The photo's bytes under the data folder (web-media/); its size and type are in report_media.
  photo_path      TEXT,
  created_at      INTEGER NOT NULL
);

-- What the resident was told about their report (acknowledgement, status changes with staff notes, the survey),
-- as plain text: the outbox's delivery for the web channel. The tracking page reads it.
CREATE TABLE web_notices (
  id         INTEGER PRIMARY KEY,
  report_id  INTEGER NOT NULL REFERENCES reports (id),
  kind       TEXT    NOT NULL,
  text       TEXT    NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX web_notices_report ON web_notices (report_id, id);
