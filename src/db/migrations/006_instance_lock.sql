-- The one bot process that may run on this database: a lease its holder renews (heartbeat_at) while it
-- runs and deletes when it stops. See src/db/instance-lock.ts.
CREATE TABLE instance_lock (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  owner        TEXT    NOT NULL,
  pid          INTEGER NOT NULL,
  host         TEXT    NOT NULL,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
