-- Voice notes, audio, video notes and photos are reports too (issue 16): what Telegram told us about the file,
-- and what was heard or seen in it. One row per report that came with media; the report's text stays what the
-- resident wrote (or the transcript, once there is one), so classification, grouping and search read one column.
CREATE TABLE report_media (
  report_id      INTEGER PRIMARY KEY REFERENCES reports (id),
  kind           TEXT    NOT NULL CHECK (kind IN ('voice', 'audio', 'video_note', 'photo', 'video', 'document', 'animation')),
  -- NULL after /forget or retention: the file can no longer be fetched, the report stays in the statistics.
  file_id        TEXT,
  file_unique_id TEXT,
  duration       INTEGER,
  size           INTEGER,
  mime_type      TEXT,
  -- Nothing in the report has been read by a model or a person yet (no caption, no transcript): staff should look.
  needs_look     INTEGER NOT NULL DEFAULT 0,
  transcript     TEXT,
  description    TEXT,
  -- The transcription job: 'pending' until the service answered ('done') or the note cannot be transcribed
  -- ('skipped': too long, too big, nothing to fetch). Retried with a bounded backoff while the service is down.
  job_state      TEXT CHECK (job_state IN ('pending', 'done', 'skipped')),
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_try_at    INTEGER,
  skip_reason    TEXT
);
CREATE INDEX report_media_jobs ON report_media (next_try_at) WHERE job_state = 'pending';
CREATE INDEX report_media_needs_look ON report_media (report_id) WHERE needs_look = 1;
