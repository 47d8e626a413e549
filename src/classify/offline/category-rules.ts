/**
 * The category rules the bureau insists on, as high-precision detectors. Each feeds the model as a feature and,
 * when it fires, decides the category outright: a teacher hurting a child or selling private lessons to their own
 * pupils is teacher conduct, never campus safety or off-campus training; a jam at the school gate is transport.
 */
import type { RiskHit } from './risk-cues.ts';

// A teacher doing the harm, not a classmate: "班主任揪着孩子的头发", "被老师打", "the teacher slapped".
const TEACHER_ACTOR_ZH =
  /(?:老师|班主任|教师|校长|教练|园长|阿姨)([^，,。！？!?；;]{0,10}?)(?:打(?!电话|不通|闹|招呼|扫|卡|针|球|饭|菜|水|架)|揍|踹|踢|掐|扇|抽|拧|揪|推(?!荐|销|给|说)|撞|砸|敲|扎|烫|关(?!心|注|系)|锁|摸|罚|捂|扭|拖(?!堂|延)|甩)/u;
// "老师说是小孩打闹", "班主任电话打不通": the teacher is speaking or being phoned, not doing the harm.
const NOT_AN_ACTOR_GAP = /说|讲|告诉|通知|觉得|认为|称|电话|以为/u;
const PEER_BETWEEN = /同学|同桌|男生们|女生们|高年级|学生们|室友|别的孩子|其他孩子|几个孩子|社会/u;
const TEACHER_ACTOR_EN =
  /\b(?:teacher|headteacher|principal|coach|tutor)\b[^.!?]{0,40}\b(?:slapped|hit|hits|kicked|punched|beat|pushed|shoved|pulled|pricked|touch\w*|grabbed|locked|twisted|dragged|threw|choked)\b/i;

// The staff of a tutoring centre, day-care (托管/午托/晚托) or club are "老师", "教练" and "阿姨" too, but the bureau files
// what they do under off-campus training. A school's own staff named alongside (班主任, 校长) still count.
const OFF_CAMPUS_PROVIDER =
  /机构|培训班|培训学校|培训中心|托管|午托|晚托|辅导班|补习班|兴趣班|舞蹈班|美术班|钢琴班|书法班|武术馆|跆拳道馆|拳馆|俱乐部|\b(?:tutoring (?:centre|center|company)|cram school|after-school club|(?:robotics|chess|coding|swimming|football) club|dance school|martial arts|taekwondo|training (?:centre|center))\b/iu;
const SCHOOL_STAFF = /班主任|校长|学校的老师|学校老师|在校老师|任课老师|\b(?:homeroom|form tutor|head ?teacher|principal)\b/iu;

/** Whether a non-negated violent, abusive or sexual cue has a (school) teacher as its actor. */
export function teacherHarmsChild(normalized: string, hits: readonly RiskHit[]): boolean {
  const harmful = hits.filter((hit) => !hit.negated && hit.strong && ['violence', 'injury', 'sexual', 'abuse'].includes(hit.group));
  if (harmful.length === 0) return false;
  if (OFF_CAMPUS_PROVIDER.test(normalized) && !SCHOOL_STAFF.test(normalized)) return false;
  if (TEACHER_ACTOR_EN.test(normalized)) return true;
  const match = TEACHER_ACTOR_ZH.exec(normalized);
  return match !== null && !PEER_BETWEEN.test(match[0]) && !NOT_AN_ACTOR_GAP.test(match[1] ?? '');
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

// "校门口放学太堵了", "school gate is jammed": traffic at the gate, which the bureau files under transport.
const JAM = '(?:堵|拥堵|塞车|乱停|停满|水泄不通|挤成一团|一锅粥)';
const GATE_JAM_ZH = new RegExp(
  `(?:校门|学校门口|学校路口|幼儿园门口|园门口)[^。！？!?]{0,10}${JAM}|(?:放学|上学|接孩子|送孩子|接送)[^。！？!?]{0,10}${JAM}|${JAM}[^。！？!?]{0,10}(?:放学|上学|接送|校门)`,
  'u',
);
const GATE_JAM_EN = /\b(?:gate|drop-?off|pick-?up)\b[^.!?]{0,40}\b(?:jam\w*|congest\w*|gridlock\w*|double-park\w*|traffic)\b|\b(?:jam\w*|congest\w*|gridlock\w*|traffic)\b[^.!?]{0,40}\b(?:school gate|the gate)\b/i;
// A person blocked in ("堵在厕所里", "堵着不让出来") is bullying, and a blocked drain is plumbing: neither is traffic.
const BLOCKED_PERSON = /堵(?:在|住|着|我|他|她|人|孩子)|被[^，,。]{0,6}堵|下水|水管|管道|马桶|厕所/u;

/** Traffic jammed at the school gate, with no person cornered. */
export function gateJam(normalized: string): boolean {
  if (BLOCKED_PERSON.test(normalized)) return false;
  return GATE_JAM_ZH.test(normalized) || GATE_JAM_EN.test(normalized);
}

/**
 * A tutoring centre's, day-care's or club's own staff ("托管班的阿姨", "武术馆的教练"), and no school staff named: what
 * they do is off-campus training, even when the model hears "老师" and thinks of teacher conduct.
 */
export function offCampusStaff(normalized: string): boolean {
  return OFF_CAMPUS_PROVIDER.test(normalized) && !SCHOOL_STAFF.test(normalized);
}
