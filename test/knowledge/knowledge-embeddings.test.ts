import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiEmbedder } from '../../src/classify/embedder.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createKnowledgeAnswerer } from '../../src/knowledge/answering.ts';
import { createEntryVectorStore } from '../../src/knowledge/entry-vector-store.ts';
import { createKnowledgeFolder, type KnowledgeFolder } from '../../src/knowledge/knowledge-folder.ts';
import { createLlmComposer } from '../../src/knowledge/llm-composer.ts';
import { createSemanticRanker, fuseRankings } from '../../src/knowledge/semantic.ts';
import type { KnowledgeEntry } from '../../src/knowledge/knowledge-base.ts';
import { createOpenAiStandin, defaultEmbedder, knowledgeAnswerResponder, type OpenAiStandin } from '../support/openai-standin.ts';

// Issue 15: with an embedding model, the entries offered to the composer are the fusion of the lexical ranking and
// the ranking by meaning; entry vectors are kept per text hash in SQLite; any embedding failure leaves BM25 alone.

const NOON = Date.parse('2026-12-05T04:00:00Z');
// BM25 ranks this entry below the top four for the question (the words differ: 老板跑了 / 关门了).
const QUESTION = '孩子上的英语班老板跑了 钱还能要回来吗';
const EXPECTED = '培训机构关门了，交的钱怎么退？';
// The stand-in's "meaning": texts about a closed-down institution share one direction no other text has.
const CONCEPT = ['老板跑了', '培训机构关门了'];
const meaningful = (text: string): number[] => (CONCEPT.some((c) => text.includes(c)) ? [...new Array<number>(256).fill(0), 1] : [...defaultEmbedder(text, ''), 0]);

let llm: OpenAiStandin;
let db: Db;
let dir: string;
let folder: KnowledgeFolder;
let failures: string[];
beforeAll(async () => {
  llm = createOpenAiStandin();
  await llm.start();
});
afterAll(async () => {
  await llm.stop();
});
beforeEach(() => {
  db = openDatabase(':memory:');
  dir = mkdtempSync(join(tmpdir(), 'minyi-kb-vectors-'));
  cpSync('prompts/knowledge', dir, { recursive: true });
  folder = createKnowledgeFolder({ dir, timezone: 'Asia/Shanghai', now: () => NOON, checkEveryMs: 0 });
  failures = [];
  llm.setResponder(knowledgeAnswerResponder(() => ({})));
  llm.setEmbedder(meaningful);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
  llm.reset();
});

function answerer(withEmbeddings: boolean) {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: llm.baseURL, maxRetries: 0 });
  const semantic = createSemanticRanker({
    embedder: createOpenAiEmbedder({ client, model: 'embed-test', timeoutMs: 5000 }),
    store: createEntryVectorStore(db),
    now: () => NOON,
    onFailure: (reason, entryId) => failures.push(`${reason}${entryId ? ` ${entryId}` : ''}`),
  });
  return createKnowledgeAnswerer({ folder, composer: createLlmComposer({ client, model: 'chat-test', timeoutMs: 5000 }), ...(withEmbeddings && { semantic }) });
}

const embeddingCalls = () => llm.requests.filter((r) => r.path.startsWith('/v1/embeddings'));
const offeredTitles = () => {
  const chat = llm.requests.filter((r) => r.path.startsWith('/v1/chat/completions')).at(-1)!;
  const content = (chat.body as { messages: Array<{ content: string }> }).messages[1]!.content;
  return (JSON.parse(content) as { entries: Array<{ title: string }> }).entries.map((e) => e.title);
};
const zhEntries = () => folder.snapshot().usable.filter((e) => e.language === 'zh').length;

describe('entries offered to the composer with embeddings', () => {
  it('offers an entry the words miss but the meaning finds; without embeddings it is not offered', async () => {
    await answerer(false).answer(QUESTION, 'inquiry');
    expect(offeredTitles()).toHaveLength(4);
    expect(offeredTitles()).not.toContain(EXPECTED);
    await answerer(true).answer(QUESTION, 'inquiry');
    expect(offeredTitles()).toHaveLength(4);
    expect(offeredTitles()).toContain(EXPECTED);
    expect(failures).toEqual([]);
  });

  it('embeds each entry once, keeps its vector per text hash, and embeds again only an entry whose text changed', async () => {
    const a = answerer(true);
    await a.answer(QUESTION, 'inquiry');
    const entries = zhEntries();
    expect(embeddingCalls()).toHaveLength(entries + 1);
    expect(db.prepare('SELECT COUNT(*) FROM knowledge_vectors WHERE model = ?').pluck().get('embed-test')).toBe(entries);
    // A second question, and a new process on the same database: only the questions are embedded.
    await a.answer('游泳馆周一开门吗', 'inquiry');
    await answerer(true).answer('体育馆几点开门？', 'inquiry');
    expect(embeddingCalls()).toHaveLength(entries + 3);
    // The bureau edits one answer: that entry alone is embedded again.
    const file = join(dir, 'tutoring.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('## 培训机构关门了，交的钱怎么退？\n', '## 培训机构关门了，交的钱怎么退？\n（本条已更新）\n'));
    folder.reload();
    await answerer(true).answer(QUESTION, 'inquiry');
    expect(embeddingCalls()).toHaveLength(entries + 5);
    expect(db.prepare('SELECT COUNT(*) FROM knowledge_vectors').pluck().get()).toBe(entries + 1);
    // What was embedded of an entry is the bureau's text; the question's request is the only one with it.
    const inputs = embeddingCalls().map((r) => String((r.body as { input: string }).input));
    expect(inputs.filter((i) => i.includes('老板跑了'))).toHaveLength(2);
  });

  it('when the question cannot be embedded, the lexical top four are offered and the answer still comes', async () => {
    llm.setEmbedder((text) => (text.includes('老板跑了') ? [Number.NaN, 1, 2, 3, 4, 5, 6, 7, 8] : meaningful(text)));
    await answerer(true).answer(QUESTION, 'inquiry');
    expect(offeredTitles()).toHaveLength(4);
    expect(offeredTitles()).not.toContain(EXPECTED);
    expect(failures).toHaveLength(1);
    // Logged with a reason and no text of the question.
    expect(failures[0]).toMatch(/^unusable embedding/);
    expect(failures[0]).not.toContain('老板');
  });

  it('when the embedding endpoint is down, the question is answered from the lexical ranking; no vector is stored', async () => {
    llm.queueModes(['server_error']);
    const outcome = await answerer(true).answer('2027年小学一年级什么时候报名？', 'inquiry');
    expect(outcome).toMatchObject({ answered: true, entry: { title: '2027年小学一年级什么时候报名？' } });
    expect(failures).toEqual(['embedding failed: HTTP 500']);
    expect(db.prepare('SELECT COUNT(*) FROM knowledge_vectors').pluck().get()).toBe(0);
  });
});

describe('reciprocal rank fusion', () => {
  const entry = (id: string) => ({ id }) as KnowledgeEntry;
  it('an entry both rankings place well beats one only a single ranking places first', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry) as [KnowledgeEntry, KnowledgeEntry, KnowledgeEntry, KnowledgeEntry];
    expect(fuseRankings([[a, b, c], [d, c, b]], 3).map((e) => e.id)).toEqual(['b', 'c', 'a']);
    // Equal scores keep the first ranking's order.
    expect(fuseRankings([[a, b], [b, a]], 2).map((e) => e.id)).toEqual(['a', 'b']);
    expect(fuseRankings([[a, b], []], 4).map((e) => e.id)).toEqual(['a', 'b']);
  });
});
