/**
 * The category rules the bureau insists on, as high-precision detectors. Each feeds the model as a feature and,
 * when it fires, decides the category outright: a teacher hurting a child or selling private lessons to their own
 * pupils is teacher conduct, never campus safety or off-campus training.
 */
import type { RiskHit } from './risk-cues.ts';

// A teacher doing the harm, not a classmate: "班主任揪着孩子的头发", "被老师打", "the teacher slapped".
const TEACHER_ACTOR_ZH = /(?:老师|班主任|教师|校长|教练|园长|阿姨)[^，,。！？!?；;]{0,10}?(?:打|揍|踹|踢|掐|扇|抽|拧|揪|推|撞|砸|敲|扎|烫|关|锁|摸|罚|捂|扭|拖|甩)/u;
const PEER_BETWEEN = /同学|同桌|男生们|女生们|高年级|学生们|室友|别的孩子|其他孩子|几个孩子|社会/u;
const TEACHER_ACTOR_EN =
  /\b(?:teacher|headteacher|principal|coach|tutor)\b[^.!?]{0,40}\b(?:slapped|hit|hits|kicked|punched|beat|pushed|shoved|pulled|pricked|touch\w*|grabbed|locked|twisted|dragged|threw|choked)\b/i;

/** Whether a non-negated violent, abusive or sexual cue has a teacher as its actor. */
export function teacherHarmsChild(normalized: string, hits: readonly RiskHit[]): boolean {
  const harmful = hits.filter((hit) => !hit.negated && hit.strong && ['violence', 'injury', 'sexual', 'abuse'].includes(hit.group));
  if (harmful.length === 0) return false;
  if (TEACHER_ACTOR_EN.test(normalized)) return true;
  const match = TEACHER_ACTOR_ZH.exec(normalized);
  return match !== null && !PEER_BETWEEN.test(match[0]);
}

// "有偿补课" is the term of art; otherwise a serving teacher plus private lessons plus money in one sentence.
const PAID_TUTORING_ZH = /有偿补课|有偿家教|在职(?:教师|老师)[^。！？]{0,12}(?:补课|补习|辅导|家教)/u;
const TEACHER_LESSONS_ZH =
  /(?:老师|班主任|教师|任课)[^。！？]{0,16}(?:补课|补习|辅导班|培优|开班|家教|小课)[^。！？]{0,16}(?:收|元|块|钱|费|一节|一小时|每人|每月|两千|一千|几百)|(?:老师|班主任|教师)[^。！？]{0,6}(?:家里|家中|家楼下|租的房子)[^。！？]{0,10}(?:补课|补习|辅导|培优|上课)/u;
const PAID_TUTORING_EN =
  /\b(?:teacher|form tutor|class tutor|homeroom|maths teacher|math teacher)\b[^.!?]{0,60}\b(?:paid|charges?|charging|yuan|fee|money)\b[^.!?]{0,40}\b(?:lessons?|tutoring|classes|cram)\b|\b(?:teacher|form tutor|homeroom)\b[^.!?]{0,40}\b(?:paid|private) (?:tutoring|lessons)\b|\bpaid (?:private )?tutoring\b/i;
// Tutoring-centre staff are the centre's problem, not a serving teacher's.
const INSTITUTION = /机构|培训班|培训学校|培训中心|\b(?:tutoring (?:centre|center|company)|training (?:centre|center|school))\b/iu;

/** A serving teacher giving paid private lessons (有偿补课). */
export function teacherSellsTutoring(normalized: string): boolean {
  if (PAID_TUTORING_ZH.test(normalized)) return true;
  if (INSTITUTION.test(normalized)) return false;
  return TEACHER_LESSONS_ZH.test(normalized) || PAID_TUTORING_EN.test(normalized);
}
