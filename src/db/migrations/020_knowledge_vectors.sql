-- Embeddings of knowledge-base entries (issue 15), for offering the LLM composer entries by meaning as well as by
-- words when an embedding model is configured (OPENAI_EMBEDDING_MODEL). An entry is embedded once per text: the key is
-- the hash of what was embedded (heading, other phrasings, the start of the answer), so an edited entry is embedded
-- again and an unchanged one never is. `model` names the model: vectors of another model are never compared.
-- The bureau's published text only: no resident's words are stored here.
CREATE TABLE knowledge_vectors (
  model        TEXT    NOT NULL,
  content_hash TEXT    NOT NULL,
  vector       BLOB    NOT NULL,
  tokens       INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (model, content_hash)
) WITHOUT ROWID;
