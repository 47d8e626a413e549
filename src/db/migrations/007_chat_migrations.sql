-- Staff groups that Telegram upgraded to supergroups. The old id stops working at once (commands come from the new
-- id; messages to the old one are refused), while STAFF_CHAT_IDS still names the old one until the operator edits it.
CREATE TABLE chat_migrations (
  from_chat_id INTEGER PRIMARY KEY,
  to_chat_id   INTEGER NOT NULL,
  migrated_at  INTEGER NOT NULL
);
