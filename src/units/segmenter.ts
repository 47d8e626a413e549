import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * One Chinese word segmenter (jieba) for the process, loaded on first use: its dictionary takes ~200 ms and
 * tens of megabytes, so no feature should load its own.
 */
let jieba: Jieba | undefined;
let plain: Jieba | undefined;
const addedWords = new Set<string>();

export function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/**
 * Teach the segmenter words it must keep whole (unit names: 一中/学生, not 一/中学生). `frequency` decides how
 * strongly: high enough to win over a common word, low enough not to swallow 一/小时 into 一小/时.
 */
export function addWords(words: Iterable<string>, frequency: number): void {
  const fresh = [...words].filter((w) => w.length > 0 && !addedWords.has(w));
  if (fresh.length === 0) return;
  segmenter().loadDict(Buffer.from(fresh.map((w) => `${w} ${frequency} nz`).join('\n') + '\n'));
  for (const w of fresh) addedWords.add(w);
}

/**
 * A second segmenter that is never taught words: the knowledge base's retrieval must not depend on which unit names
 * the process has met (区游泳馆 taught as one word would stop matching 游泳馆 in a question). Loaded on first use.
 */
export function plainSegmenter(): Jieba {
  plain ??= Jieba.withDict(dict);
  return plain;
}
