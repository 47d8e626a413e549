import type { Kind } from '../domain/classification.ts';

/**
 * Which reports may be answered from the knowledge base: inquiries, and anything else phrased as a question —
 * except complaints, which always become a ticket (a resident who complains is owed a person, not a quote).
 */

// Question particles and words, and English openings; alternations of literals, so linear in the text.
// 几 only where it asks (几点, 几号, 星期几): "几片", "几个" are "a few" (希望多开几片球场 is a suggestion).
// "开不开", "让不让": a verb, 不, the same verb (a back-reference to one character: constant work per position).
const CHINESE_QUESTION = /[？?]|吗|呢[\s，。,.!！]*$|什么|啥|怎么|怎样|如何|为什么|哪|谁|几(?:点|号|月|时|岁|年级|天能|天可以|天内)|[星礼]期几|周几|多少|多久|多长|是否|可以不|请问|想问|咨询|问一下|问下|(\p{Script=Han})不\1/u;
const ENGLISH_QUESTION = /^\s*(?:how|what|when|where|which|who|whom|whose|why|can|could|may|is|are|am|do|does|did|will|would|should|shall|has|have)\b/i;

export function looksLikeQuestion(text: string): boolean {
  return CHINESE_QUESTION.test(text) || ENGLISH_QUESTION.test(text);
}

// Words of a grievance: something went wrong and someone is to blame. Literal alternations, linear.
const GRIEVANCE =
  /控诉|曝光|乱收费|不负责|不作为|太差|太过分|过分|离谱|气愤|气死|凭什么|管不管|没人管|不管|白跑|强制|强迫|逼着|逼我|拒绝|不给退|不退|骗|坑人|态度差|态度恶劣|明明|竟然|居然|至今|到现在还|好几次|多次|一直没|还没有|还不|打不通|没人接|没人理|\b(?:nobody|no one|refus\w*|terrible|unacceptable|rude|still|never|ignored|overcharg\w*|cheat\w*|scam\w*)\b/iu;

/** A text that reports something wrong, whatever its question mark says. */
export function soundsLikeGrievance(text: string): boolean {
  return GRIEVANCE.test(text);
}

/**
 * The classifier's "complaint" stands unless the text is plainly a question with no grievance in it: the
 * offline classifier calls many bare questions (对口哪个初中) complaints, and those deserve the answer.
 */
export function mayAnswerFromKnowledge(kind: Kind, text: string): boolean {
  if (soundsLikeGrievance(text)) return false;
  // Thanks and small talk ("你好，在吗？") are not questions about the bureau's services.
  if (kind === 'praise' || (kind as string) === 'chitchat') return false;
  if (kind === 'complaint') return looksLikeQuestion(text);
  return kind === 'inquiry' || looksLikeQuestion(text);
}
