import { normalizeText, stemEnglish } from '../classify/offline/text-features.ts';
import { detectLanguage } from '../domain/classification.ts';
import { plainSegmenter } from '../units/segmenter.ts';
import type { KnowledgeEntry } from './knowledge-base.ts';
import { NO_SYNONYMS, type Synonyms } from './synonyms.ts';

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
  /** The best `k` entries; `only` keeps those entries alone in the running (idf stays the whole base's). */
  search(question: string, k?: number, only?: (entry: KnowledgeEntry) => boolean): Scored[];
}

export interface Thresholds {
  /** The best entry must cover at least this share of the question. */
  minCoverage: number;
  /** …and cover at least this much more than any other entry of the top five (else the question is ambiguous). */
  minGap: number;
  /**
   * Or it is the clear winner: it covers at least `clearCoverage` and at least `clearGap` more than any other.
   * A paraphrase ("老人去游泳多少钱一次") shares fewer words with its entry, but no other entry comes close.
   */
  clearCoverage: number;
  clearGap: number;
}

/**
 * minCoverage and minGap were chosen on the tune half of the development questions (kb-dev.jsonl and the spent
 * kb-blind.jsonl, even lines) and checked on the other half (docs/KNOWLEDGE.md). The clear-winner pair was chosen
 * on all 285 development questions (round 3): the widest gap before wrong answers rise (0.25 adds 6 of them; 0.30
 * to 0.32 is a plateau), checked on 54 questions written before it (kb-own-w4.jsonl). A relative score margin and
 * an unknown-word discount were tried and gained nothing.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { minCoverage: 0.675, minGap: 0.025, clearCoverage: 0.4, clearGap: 0.3 };

export type Decision = { confident: true; best: Scored; ranked: Scored[] } | { confident: false; ranked: Scored[] };

/**
 * When the decision is not confident, the resident may be offered the best-ranked entries to choose from
 * ("您是想问…?"). Each suggested entry must clear this floor; a question the classifier calls a complaint needs
 * more of its words in the entry, because a complaint is owed a person, not a list of headings.
 */
export interface SuggestionFloor {
  /** BM25 score of the entry for the question: the evidence that it is about the same thing at all. */
  minScore: number;
  minCoverage: number;
  /** The coverage asked of an entry when the classifier called the question a complaint. */
  minCoverageIfComplaint: number;
  /** At most this many suggestions. */
  max: number;
}

/**
 * Chosen on the development questions split as in round 4 (docs/KNOWLEDGE.md, "Suggestions"): half A (kb-dev,
 * kb-blind, kb-own-w4) and half B (kb-blind-2), the floor with the best sum over both halves of
 * (expected entry suggested − out-of-base questions suggested − complaints suggested); a score of 15 was the
 * best fitted on either half alone. kb-blind-3 (spent) was the third check.
 */
export const DEFAULT_SUGGESTION_FLOOR: SuggestionFloor = { minScore: 15, minCoverage: 0.2, minCoverageIfComplaint: 0.4, max: 3 };

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
  // The filler of spoken questions: it says how a resident talks, not what the question is about.
  '明年', '今年', '去年', '的话', '但是', '如果', '到底', '还有', '还要', '一共', '跟', '来', '去', '说', '想要', '咋办',
  '怎么办', '一般', '能不能', '是不是', '会不会', '有没有', '可不可以', '行不行', '哦', '嘛', '呗', '哈', '啦', '麻烦',
  '你好', '您好', '我家', '我们家', '家里', '娃', '儿子', '女儿', '大概', '具体', '现在', '还能', '应该', '为什么',
  '晚上', '早上', '白天',
]);
const ENGLISH_STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'of', 'to', 'in', 'on', 'at', 'for', 'is', 'are', 'was', 'were', 'be', 'been', 'it',
  'its', 'this', 'that', 'my', 'our', 'we', 'i', 'he', 'she', 'they', 'his', 'her', 'their', 'you', 'your', 'with',
  'as', 'by', 'from', 'has', 'have', 'had', 'do', 'does', 'did', 'so', 'there', 'me', 'us', 'them', 'him', 'can',
  'what', 'when', 'where', 'which', 'who', 'how', 'much', 'many', 'will', 'would', 'could', 'should', 'if', 'any',
  'please', 'tell', 'know', 'want', 'need', 'get', 'here', 'about', 'not', 'no', 'yes', 'am', 'child', 'kid',
  'kids', 'son', 'daughter', 'next', 'this', 'year', 'even', 'just', 'still', 'i\'m', 'hi', 'hello', 'thanks', 'go',
]);

const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_OR_DIGITS = /[a-z]+|\d+/g;

/** Index tokens of a text, with repeats; each carries its BM25 weight (bigrams count half). */
export function tokens(text: string, synonyms: Synonyms = NO_SYNONYMS): Array<[string, number]> {
  const normalized = synonyms.rewrite(normalizeText(text));
  const out: Array<[string, number]> = [];
  for (const match of normalized.matchAll(HAN_RUN)) {
    const run = match[0];
    for (const word of plainSegmenter().cut(run, true)) {
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

export function createRetrieval(entries: readonly KnowledgeEntry[], synonyms: Synonyms = NO_SYNONYMS): Retrieval {
  const docs = entries.map((entry) => {
    // The heading and the bureau's other phrasings of it are the question the entry answers.
    const title = [entry.title, ...entry.aliases].flatMap((t) => tokens(t, synonyms)).map(([t, w]): [string, number] => [t, w * TITLE_WEIGHT]);
    const tf = counts([...title, ...tokens(entry.body, synonyms)]);
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
    search(question, k = 5, only) {
      const query = counts(tokens(question, synonyms));
      let total = 0;
      // A bigram no entry has is usually one that crosses a word boundary (报几): noise, not an unknown topic.
      // A word no entry has counts in full: it is most often a topic the base does not hold (马拉松, 高考).
      for (const [token, weight] of query) if (df.has(token) || !token.startsWith('b:')) total += idf(token) * weight;
      const scored: Scored[] = [];
      for (const doc of docs) {
        if (only && !only(doc.entry)) continue;
        let score = 0;
        let covered = 0;
        for (const [token, weight] of query) {
          const f = doc.tf.get(token);
          if (!f) continue;
          const w = idf(token);
          score += weight * w * ((f * (K1 + 1)) / (f + K1 * (1 - B + (B * doc.length) / avgLength)));
          covered += w * weight;
        }
        if (score > 0) scored.push({ entry: doc.entry, score, coverage: total > 0 ? Math.min(1, covered / total) : 0 });
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
  if (best.coverage >= thresholds.clearCoverage && gap >= thresholds.clearGap) return { confident: true, best, ranked };
  return { confident: false, ranked };
}

/**
 * The entries to offer when the decision is not confident: the ranked entries (already only those the question's
 * language may use, see decideByLanguage) that clear the floor, best first. None when the decision is confident.
 */
export function suggest(decision: Decision, complaint: boolean, floor: SuggestionFloor = DEFAULT_SUGGESTION_FLOOR): KnowledgeEntry[] {
  if (decision.confident) return [];
  const minCoverage = complaint ? floor.minCoverageIfComplaint : floor.minCoverage;
  return decision.ranked
    .filter((s) => s.score >= floor.minScore && s.coverage >= minCoverage)
    .slice(0, floor.max)
    .map((s) => s.entry);
}

/**
 * Entries in the question's language first: an English question is answered from an English entry when one
 * fits, and from a Chinese one only when none does (the base is Chinese first, English for some topics);
 * a Chinese question only from Chinese entries. The two languages never compete in one ranking, where the
 * same topic written twice would look like two answers and block both.
 */
export function rankByLanguage(retrieval: Retrieval, question: string, k = 5): { own: Scored[]; fallback: Scored[] } {
  const language = detectLanguage(question);
  const own = retrieval.search(question, k, (e) => e.language === language);
  const fallback = language === 'en' ? retrieval.search(question, k, (e) => e.language === 'zh') : [];
  return { own, fallback };
}

export function decideByLanguage(ranked: { own: Scored[]; fallback: Scored[] }, thresholds: Thresholds = DEFAULT_THRESHOLDS): Decision {
  const own = decide(ranked.own, thresholds);
  if (own.confident || ranked.fallback.length === 0) return own;
  // The LLM, when there is one, is offered the question's own language first, whatever the offline decision.
  const seen = new Set(ranked.own.map((s) => s.entry.id));
  const both = [...ranked.own, ...ranked.fallback.filter((s) => !seen.has(s.entry.id))].slice(0, 5);
  const fallback = decide(ranked.fallback, thresholds);
  return fallback.confident ? { confident: true, best: fallback.best, ranked: both } : { confident: false, ranked: both };
}
