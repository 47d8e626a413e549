import { normalizeText } from '../classify/offline/text-features.ts';
import type { Kind } from '../domain/classification.ts';

/**
 * Which reports may be answered from the knowledge base: inquiries, and anything else phrased as a question —
 * except complaints, which always become a ticket (a resident who complains is owed a person, not a quote).
 */

// Question particles and words, and English openings; alternations of literals, so linear in the text.
// 几 only where it asks (几点, 几号, 星期几): "几片", "几个" are "a few" (希望多开几片球场 is a suggestion).
// 几个月 unless it looks back (前几个月, 这几个月: "a few months").
// "几天", "几本", "几门" ask how many, except after 前/这/过 (过几天: "in a few days"). "是区里还是市里" asks which; "能读公立学校不" asks yes or no.
// "开不开", "让不让", "有没有": a verb, 不 or 没, the same verb (a back-reference to one character: constant work per position).
// A bare topic ending in what is wanted ("春节期间体育馆开放时间", "招生办联系方式") asks for it.
const CHINESE_QUESTION =
  /[？?]|吗|嘛[\s，。,.!！]*$|呢[\s，。,.!！]*$|什么|啥|咋|怎么|怎样|如何|为什么|哪|谁|第几|几(?:点|号|月|时|岁|周岁|年级|天能|天可以|天内)|(?<![前这那好近头])几个月|(?<![前这那好近头过隔])几(?:天|本|门|级|次|年|路|科|节|种|所|项|份|遍)|是[^。！!？?]{1,20}还是|(?:能|可以|会|要|是|有)\p{Script=Han}{1,12}不[\s，。,.!！]*$|[星礼]期几|周几|多少|多久|多长|是否|可以不|请问|想问|咨询|问一下|问下|(\p{Script=Han})[不没]\1|(?:时间|电话|联系方式|地址|流程|条件|标准|办法)[\s，。,.!！]*$/u;
const ENGLISH_QUESTION = /^\s*(?:how|what|when|where|which|who|whom|whose|why|can|could|may|is|are|am|do|does|did|will|would|should|shall|has|have)\b/i;

/** Traditional characters (嗎, 幾點, 怎麼) and full-width forms read as the simplified, half-width ones. */
export function looksLikeQuestion(text: string): boolean {
  const normalized = normalizeText(text);
  return CHINESE_QUESTION.test(normalized) || ENGLISH_QUESTION.test(normalized);
}

// Words of a grievance: something went wrong and someone is to blame. Literal alternations, linear.
const GRIEVANCE =
  /控诉|曝光|乱收费|不负责|不作为|太差|太过分|过分|离谱|气愤|气死|凭什么|管不管|没人管|不管|白跑|强制|强迫|逼着|逼我|拒绝|不给退|不退|骗|坑人|态度差|态度恶劣|明明|竟然|居然|至今|到现在还|好几次|多次|一直没|还没有|还不|打不通|没人接|没人理|\b(?:nobody|no one|refus\w*|terrible|unacceptable|rude|still|never|ignored|overcharg\w*|cheat\w*|scam\w*)\b/iu;

/** A text that reports something wrong, whatever its question mark says. */
export function soundsLikeGrievance(text: string): boolean {
  return GRIEVANCE.test(withoutNeutralChoices(normalizeText(text)));
}

// "退不退", "收不收" ask a yes-or-no question; only "管不管" (does anybody care) is itself a grievance.
const A_NOT_A = /(\p{Script=Han})不\1/gu;
const GRIEVING_CHOICES = new Set(['管不管']);

/** "钱退不退" reads as "钱退": the question form must not look like the grievance "不退". */
function withoutNeutralChoices(text: string): string {
  return text.replace(A_NOT_A, (choice, verb: string) => (GRIEVING_CHOICES.has(choice) ? choice : verb));
}

// Greetings, courtesies and questions about the bot itself: what is left without them says whether a message
// asks anything about the bureau's services. Literal alternations only, so linear in the text.
const COURTESY =
  /你们好|你好|您好|大家好|[早晚]上好|[上下中]午好|哈喽|嗨|在吗|在不在|在么|有人吗|有人在吗|请问|打扰了|打扰一下|麻烦问一下|谢谢|多谢|感谢|辛苦了|你是谁|你是机器人吗|是机器人吗|是不是机器人|机器人|人工客服|人工|客服|测试|试试|\b(?:hi|hello|hey|thanks|thank you|anyone there|are you there|who are you|are you a bot|is this a bot|are you human|good (?:morning|afternoon|evening)|test(?:ing)?)\b/giu;

/** Nothing but greetings, courtesies or questions about the bot ("你好，在吗？", "人工客服在不在"). */
export function isSmallTalk(text: string): boolean {
  const rest = normalizeText(text).replace(COURTESY, ' ');
  const han = rest.match(/\p{Script=Han}/gu)?.length ?? 0;
  const latinWords = rest.match(/[A-Za-z]{2,}/g)?.length ?? 0;
  return han < 2 && latinWords < 2;
}

/**
 * The classifier's "complaint" stands unless the text is plainly a question with no grievance in it: the
 * offline classifier calls many bare questions (对口哪个初中) complaints, and those deserve the answer. Praise
 * and chit-chat are tried when they ask something beyond small talk: the offline classifier calls many bare
 * questions (请问游泳馆几点开门) chit-chat.
 */
export function mayAnswerFromKnowledge(kind: Kind, text: string): boolean {
  // "请问有人吗" asks nothing the base answers, whatever the classifier calls it.
  if (soundsLikeGrievance(text) || isSmallTalk(text)) return false;
  if (kind === 'praise' || kind === 'chitchat') return looksLikeQuestion(text);
  if (kind === 'complaint') return looksLikeQuestion(text);
  return kind === 'inquiry' || looksLikeQuestion(text);
}
