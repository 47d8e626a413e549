-- Facts about this installation, e.g. when the bot first ran on this database.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
