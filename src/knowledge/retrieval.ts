import { normalizeText, stemEnglish } from '../classify/offline/text-features.ts';
import { segmenter } from '../units/segmenter.ts';
import type { KnowledgeEntry } from './knowledge-base.ts';

/**
 * Offline lexical retrieval over the knowledge base: BM25 over jieba words, Chinese character bigrams (robust
 * to words jieba cuts differently: 网报/网上报名) and stemmed English words. It only ranks entries; whether the
 * best one answers the question is `decide`, with thresholds tuned on test/fixtures/kb-dev.jsonl only.
 */

export interface Scored {
  entry: KnowledgeEntry;
  /** BM25 score. */
  score: number;
  /** Share of the question's weight (idf) the entry contains, 0–1: a question about something else scores low. */
  coverage: number;
}

export interface Retrieval {
  readonly size: number;
  search(question: string, k?: number): Scored[];
}

export interface Thresholds {
  /** The best entry must cover at least this share of the question. */
  minCoverage: number;
  /** …and cover at least this much more than any other entry of the top five (else the question is ambiguous). */
  minGap: number;
}

/**
 * Tuned on kb-dev.jsonl only (docs/KNOWLEDGE.md): the most correct answers with at most one wrong answer in
 * its 69 questions (the 2% target). A wrong answer costs more than a ticket, so the bar is high.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { minCoverage: 0.65, minGap: 0.1 };

export type Decision = { confident: true; best: Scored; ranked: Scored[] } | { confident: false; ranked: Scored[] };

const K1 = 1.2;
const B = 0.75;
/** Title words count this many times: the heading is the question the entry answers. */
const TITLE_WEIGHT = 2;
const BIGRAM_WEIGHT = 0.5;

// Words every question carries and no answer is about.
const CHINESE_STOPWORDS = new Set([
  '的', '了', '吗', '呢', '吧', '啊', '呀', '是', '有', '在', '和', '与', '或', '我', '我们', '你', '你们', '他', '她',
  '它', '这', '那', '个', '么', '什么', '怎么', '怎么样', '怎样', '如何', '哪', '哪里', '哪儿', '哪个', '哪些', '多少',
  '几', '能', '能不能', '可以', '可不可以', '要', '要不要', '会', '还', '也', '都', '就', '请问', '想', '问', '问一下',
  '一下', '知道', '家', '孩子', '小孩', '现在', '今年', '需要', '吗？', '不', '没有', '没', '被', '把', '给', '让', '对',
  '从', '到', '上', '下', '里', '中', '请', '您', '好', '谢谢', '一个', '那个', '这个', '啥', '咋', '得', '地', '着',
]);
const ENGLISH_STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'of', 'to', 'in', 'on', 'at', 'for', 'is', 'are', 'was', 'were', 'be', 'been', 'it',
  'its', 'this', 'that', 'my', 'our', 'we', 'i', 'he', 'she', 'they', 'his', 'her', 'their', 'you', 'your', 'with',
  'as', 'by', 'from', 'has', 'have', 'had', 'do', 'does', 'did', 'so', 'there', 'me', 'us', 'them', 'him', 'can',
  'what', 'when', 'where', 'which', 'who', 'how', 'much', 'many', 'will', 'would', 'could', 'should', 'if', 'any',
  'please', 'tell', 'know', 'want', 'need', 'get', 'here', 'about', 'not', 'no', 'yes', 'am', 'child', 'kid',
]);

const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_OR_DIGITS = /[a-z]+|\d+/g;

/** Index tokens of a text, with repeats; each carries its BM25 weight (bigrams count half). */
export function tokens(text: string): Array<[string, number]> {
  const normalized = normalizeText(text);
  const out: Array<[string, number]> = [];
  for (const match of normalized.matchAll(HAN_RUN)) {
    const run = match[0];
    for (const word of segmenter().cut(run, true)) {
      if (!CHINESE_STOPWORDS.has(word)) out.push([`w:${word}`, 1]);
    }
    const chars = Array.from(run);
    for (let i = 0; i + 1 < chars.length; i++) out.push([`b:${chars[i]!}${chars[i + 1]!}`, BIGRAM_WEIGHT]);
  }
  for (const word of normalized.match(LATIN_OR_DIGITS) ?? []) {
    if (ENGLISH_STOPWORDS.has(word)) continue;
    out.push([/^\d/.test(word) ? `n:${word}` : `e:${stemEnglish(word)}`, 1]);
  }
  return out;
}

function counts(weighted: Array<[string, number]>): Map<string, number> {
  const tf = new Map<string, number>();
  for (const [token, weight] of weighted) tf.set(token, (tf.get(token) ?? 0) + weight);
  return tf;
}

export function createRetrieval(entries: readonly KnowledgeEntry[]): Retrieval {
  const docs = entries.map((entry) => {
    const title = tokens(entry.title).map(([t, w]): [string, number] => [t, w * TITLE_WEIGHT]);
    const tf = counts([...title, ...tokens(entry.body)]);
    let length = 0;
    for (const v of tf.values()) length += v;
    return { entry, tf, length };
  });
  const n = docs.length;
  const avgLength = docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, n);
  const df = new Map<string, number>();
  for (const doc of docs) for (const token of doc.tf.keys()) df.set(token, (df.get(token) ?? 0) + 1);
  const idf = (token: string) => {
    const f = df.get(token) ?? 0;
    return Math.log(1 + (n - f + 0.5) / (f + 0.5));
  };

  return {
    size: n,
    search(question, k = 5) {
      const query = counts(tokens(question));
      let total = 0;
      // A bigram no entry has is usually one that crosses a word boundary (报几): noise, not an unknown topic.
      for (const [token, weight] of query) if (df.has(token) || !token.startsWith('b:')) total += idf(token) * weight;
      const scored: Scored[] = [];
      for (const doc of docs) {
        let score = 0;
        let covered = 0;
        for (const [token, weight] of query) {
          const f = doc.tf.get(token);
          if (!f) continue;
          const w = idf(token);
          score += weight * w * ((f * (K1 + 1)) / (f + K1 * (1 - B + (B * doc.length) / avgLength)));
          covered += w * weight;
        }
        if (score > 0) scored.push({ entry: doc.entry, score, coverage: total > 0 ? covered / total : 0 });
      }
      scored.sort((a, b) => b.score - a.score || a.entry.id.localeCompare(b.entry.id));
      return scored.slice(0, k);
    },
  };
}

/** Answer only when the best entry covers the question and no other entry covers it nearly as well; otherwise abstain. */
export function decide(ranked: Scored[], thresholds: Thresholds = DEFAULT_THRESHOLDS): Decision {
  const [best, ...others] = ranked;
  if (!best) return { confident: false, ranked };
  const gap = best.coverage - Math.max(0, ...others.map((s) => s.coverage));
  if (best.coverage >= thresholds.minCoverage && gap >= thresholds.minGap) return { confident: true, best, ranked };
  return { confident: false, ranked };
}
