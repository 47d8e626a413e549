-- District-wide themes (一类问题, issue 11): the same subtopic reported at several units within a window. Staff
-- chats are told once per subtopic per window; the alert is kept here so a restart does not tell them again.
CREATE TABLE theme_alerts (
  id INTEGER PRIMARY KEY,
  subtopic TEXT NOT NULL,
  alerted_at INTEGER NOT NULL,
  -- What the alert said: how many units and reports made the theme at that moment.
  units INTEGER NOT NULL,
  reports INTEGER NOT NULL
);
CREATE INDEX theme_alerts_subtopic ON theme_alerts (subtopic, alerted_at);
