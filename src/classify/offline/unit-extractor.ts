/**
 * Finds the school, kindergarten, venue or office a report names, as the resident wrote it ("一中", "第一中学",
 * "城关镇中心校", "区体育馆", "No. 1 Middle School"). Matching units to the district's registry is someone
 * else's job; this only has to cut the name cleanly out of the sentence.
 */

import { stripInvisible } from './text-features.ts';

const HAN_NUMERAL = '[一二三四五六七八九十百零〇两]';

// Longest first, so "实验小学" wins over "小学" and "中心校" over "学校".
const ZH_SUFFIXES = [
  '职业技术学校', '职业技术学院', '职业中学', '职业高中', '实验学校', '实验中学', '实验小学', '中心小学', '中心学校',
  '中心幼儿园', '九年一贯制学校', '培训学校', '培训中心', '培训机构', '全民健身中心', '青少年活动中心', '体育中心',
  '体育馆', '体育场', '游泳馆', '健身中心', '少年宫', '图书馆', '幼儿园', '中心校', '初级中学', '高级中学', '中学',
  '小学', '初中', '高中', '学校', '职高', '职中', '附中', '附小',
];
const ZH_SUFFIX = ZH_SUFFIXES.join('|');

// Sub-offices of the bureau; the bureau itself is the addressee of every report, so it is not a unit.
const OFFICES = [
  '招生办公室', '招生办', '人事科', '人事股', '基教科', '基础教育科', '财务科', '督导室', '政务服务中心', '政务服务大厅',
  '办事大厅', '教师发展中心', '教研室', '招生考试中心', '考试中心', '学生资助中心', '资助中心',
];

// Where a name cannot start: words that end the previous phrase ("孩子在", "我们", "投诉", "暑假期间", "需要").
const BOUNDARIES = [
  '我们', '你们', '他们', '孩子', '儿子', '女儿', '闺女', '小孩', '我家', '你家', '他家', '她家', '反映', '投诉', '举报',
  '咨询', '请问', '关于', '这所', '那所', '这个', '那个', '一所', '转到', '转学', '分到', '划到', '附近', '旁边', '对面',
  '现在', '今年', '去年', '明年', '今天', '昨天', '上午', '中午', '下午', '晚上', '早上', '领导', '老师', '家长', '学生', '同学',
  '表扬', '感谢', '谢谢', '建议', '希望', '就读', '读书', '上学', '还有', '以及', '属于', '点赞', '时候', '期间', '假期',
  '暑假', '寒假', '周末', '学期', '放学', '开学', '报名', '需要', '必须', '一下', '没有', '取消', '规定', '统一', '补办',
  '问题', '为什么', '为啥', '对口', '怎么', '什么', '下雨天', '阶段', '义务教育', '时间',
  '近期', '最近', '开设', '清查', '那家', '这家', '一家', '哪家', '某家', '某个', '某所',
  '我', '你', '他', '她', '在', '的', '是', '去', '到', '从', '了', '读', '念', '和', '与', '跟', '及', '或', '对', '向',
  '给', '把', '被', '让', '说', '该', '本', '就', '都', '也', '还', '又', '那', '这', '所', '个', '位', '进', '考', '报',
  '离', '为', '由', '比', '像', '问', '找', '上', '时', '前', '后', '要', '回', '买', '来', '带', '拉', '有', '没', '过',
  '再', '费', '能', '会', '想', '请', '叫', '啥', '咋', '哪', '查', '放', '等', '节', '点', '半', '天', '号', '：', ':',
];
// "上海路小学", "和平路小学": here 上 and 和 start a street name, not "attends" and "and".
const BOUNDARY_EXCEPTIONS: Readonly<Record<string, string>> = { 上: '上(?!海)', 和: '和(?!平)' };
const BOUNDARY = new RegExp(BOUNDARIES.map((word) => BOUNDARY_EXCEPTIONS[word] ?? word).join('|'), 'gu');
// Prefixes that describe a kind of school rather than name one: "公办幼儿园", "寄宿学校", "英语培训机构".
const GENERIC_PREFIXES = new Set([
  '新', '老', '好', '小', '大', '原', '中', '各', '某', '某某', '全', '一', '两', '几', '多', '些', '里', '村', '镇', '乡',
  '重点', '普通', '寄宿', '其他', '别的', '所有', '全区', '全县', '区里', '县里', '镇上', '城里', '城区', '农村', '乡村',
  '每所', '哪所', '哪个', '任何', '整个', '同一', '目标', '片区', '小区', '家门口', '附属', '实验', '中心', '初级', '高级',
  '职业', '示范', '课外', '校外', '一家', '那家', '这家', '正规', '合规', '违规', '无证', '黑', '外面', '公共',
  '英语', '数学', '语文', '作文', '钢琴', '舞蹈', '美术', '书法', '编程', '学科', '艺术', '体育', '托管', '辅导', '补习',
  '兴趣', '音乐', '民办中', '中小',
]);
// Words that make any prefix generic wherever they sit: "本地公办学校", "附近的私立幼儿园".
const GENERIC_INSIDE = /公办|民办|私立|公立|本地|外地|当地|附近|周边|隔壁/u;
// Venues a district has one of, named by their bare type.
const BARE_NAMES = new Set(['附中', '附小', '实验中学', '实验小学', '实验学校', '全民健身中心', '体育中心', '青少年活动中心', '少年宫']);

/**
 * Names of private institutions that carry no school type: 启航教育, 博睿英语, 小博士托管班, 乐动跆拳道, 满分作文工作室.
 * Their suffixes also end common phrases (安全教育, 初一英语, 学英语), so the name in front must be two to four
 * characters, no grade or subject, and not a kind of education (CONCEPT_BEFORE_INSTITUTION).
 */
const ZH_INSTITUTION_SUFFIXES = ['托管中心', '托管班', '工作室', '跆拳道', '教育', '英语'];
const ZH_INSTITUTION = new RegExp(`\\p{Script=Han}{2,4}?(?:${ZH_INSTITUTION_SUFFIXES.join('|')})`, 'gu');
/** What 教育 and 英语 end when they name a kind of teaching, not a company: 安全教育, 义务教育, 少儿英语. */
const CONCEPT_BEFORE_INSTITUTION =
  /(?:安全|溺水|法治|法制|素质|家庭|义务|学前|心理|思想|德育|劳动|国防|健康|禁毒|环保|爱国|传统|职业|特殊|高等|基础|继续|成人|终身|学校|网络|校外|校内|体育|艺术|音乐|美术|科普|生命|感恩|廉洁|红色|诚信|消防|交通|防疫|卫生|青春期|礼仪|文明|双减|性|少儿|幼儿|儿童|大学|商务|口语|课外|课内|在线|线上|线下|早期|普及|专业|民族|公民|优质|均衡|全面|国际|教育|英语|数学|语文|性侵|批评|集体|接受|门子|暑期|暑假|寒假|课后|晚托|午托|全托|日托|补)$|^(?:初|高)[一二三]|年级|班$|[一二三四五六七八九十][中小幼]$|[中小]学$/u;
/** A town, street or village in front of an institution's name (城关镇, 建设路). */
const PLACE_IN_FRONT = /^\p{Script=Han}*(?:镇|乡|街道|区|县|市|路|街|村)/u;
/** 教育 that is the bureau or a field, not a company's name: 区教育局, 教育部门, 教育系统, 教育和体育局. */
const NOT_AN_INSTITUTION_AFTER = /^(?:局|部|厅|科|处|窗|系统|和体育|体育局|行政|主管|工作者|事业|资源|质量|公平|均衡|改革|理念|方式|方法|水平|经费|政策|法|机会|问题|老师|课)/u;

const ZH_UNIT = new RegExp(`[\\p{Script=Han}0-9]{0,12}?(?:${ZH_SUFFIX})`, 'gu');
// "一中", "三小", "二幼", "城关一小": a numeral and a one-character school type, but not "一小时" or "一中午".
const ZH_NUMBERED = new RegExp(`[\\p{Script=Han}]{0,4}?第?${HAN_NUMERAL}{1,3}(?:中|小|幼|职高|职中)(?![午间途旬时部块段会点半口碗盒包把步撮等层型文心学考年级班些份样生])`, 'gu');
const ZH_SHORT = /实小|实中|实验幼/gu;
const ZH_OFFICE = new RegExp(`[\\p{Script=Han}]{0,6}?(?:${OFFICES.join('|')})`, 'gu');

const EN_SUFFIX =
  "(?:Junior High School|Senior High School|Middle School|Primary School|High School|Elementary School|Vocational School|Central School|Kindergarten|School|Stadium|Gymnasium|Gym|Sports Centre|Sports Center|Swimming Pool|Training Centre|Training Center|Tutoring Centre|Tutoring Center|Training School)";
// One reading per name, so the engine never tries the same words two ways: "No. 1"/"No1" is one word (a bare
// "No 1" reads as the word No and the number 1, as "Number 1" does), and at most MAX_NAME_WORDS words precede the
// suffix. The old pattern read "No 1" both ways under a `*`: 125 characters of "No 1 No 1 …" took 16 seconds.
const MAX_NAME_WORDS = 10;
const EN_NAME_WORD = "(?:No(?:\\.\\s?)?\\d+|[A-Z][A-Za-z'-]*)";
const EN_UNIT = new RegExp(
  `\\b(${EN_NAME_WORD}(?:\\s+(?:${EN_NAME_WORD}|\\d+)){0,${MAX_NAME_WORDS - 1}})\\s+${EN_SUFFIX}\\b`,
  'g',
);
/** A private institution named in English: "Qihang Education", "Borui English", "Ledong Taekwondo" (not the Education Bureau). */
const EN_INSTITUTION = new RegExp(
  `\\b(${EN_NAME_WORD}(?:\\s+${EN_NAME_WORD}){0,3})\\s+(?:Education|English|Taekwondo|Academy|[Tt]utoring(?:\\s+[Cc]ent(?:re|er))?)\\b(?!\\s+(?:Bureau|Department|Office|Committee|Authority|Sports|and)\\b)`,
  'g',
);
const EN_DISTRICT_VENUE = /\b(?:the\s+)?((?:district|county|city|town)\s+(?:stadium|gym|gymnasium|sports (?:centre|center)|swimming pool|library))\b/gi;
const EN_LEADING_WORDS = /^(?:(?:The|My|Our|Your|At|In|To|A|An|Dear|Hi|Hello|From|Of|And|Why|When|How|What|Is|Does|Can|Please|Today|Yesterday|I|We)\s+)+/;

interface Candidate {
  readonly name: string;
  readonly start: number;
  readonly office: boolean;
}

/** Cut everything up to the last boundary word; what remains is the name. */
function trimPrefix(match: string, suffixLength: number): string {
  const prefix = match.slice(0, match.length - suffixLength);
  let cut = 0;
  for (const boundary of prefix.matchAll(BOUNDARY)) cut = Math.max(cut, boundary.index + boundary[0].length);
  return match.slice(cut);
}

function isNamed(name: string, suffix: string): boolean {
  const prefix = name.slice(0, name.length - suffix.length);
  if (prefix === '') return BARE_NAMES.has(suffix);
  return prefix.length <= 8 && !GENERIC_PREFIXES.has(prefix) && !GENERIC_INSIDE.test(prefix);
}

function zhCandidates(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(ZH_UNIT)) {
    const suffix = ZH_SUFFIXES.find((s) => match[0].endsWith(s))!;
    // "小学生", "中学生", "高中毕业", "集中学习": the school type names pupils or a level, not a school.
    if (/^(?:生|毕业|阶段|部|习)/u.test(text.slice(match.index + match[0].length))) continue;
    const name = trimPrefix(match[0], suffix.length);
    if (isNamed(name, suffix)) found.push({ name, start: match.index + match[0].length - name.length, office: false });
  }
  for (const match of text.matchAll(ZH_NUMBERED)) {
    const core = /第?[一二三四五六七八九十百零〇两]{1,3}(?:中|小|幼|职高|职中)$/u.exec(match[0])![0];
    const name = trimPrefix(match[0], core.length);
    const start = match.index + match[0].length - name.length;
    // "一年级" and "高一" are classes, not schools; the numeral must not follow 初/高/年.
    // (One character, not a `$`-anchored test of everything before it: that rescans the text for every match.)
    if (start > 0 && '初高年'.includes(text[start - 1]!)) continue;
    found.push({ name, start, office: false });
  }
  for (const match of text.matchAll(ZH_INSTITUTION)) {
    const suffix = ZH_INSTITUTION_SUFFIXES.find((x) => match[0].endsWith(x))!;
    const trimmed = trimPrefix(match[0], suffix.length);
    let prefix = trimmed.slice(0, trimmed.length - suffix.length);
    // 城关镇启航教育 matches from 关镇: the place in front is not part of the name (at most four characters are read).
    const place = PLACE_IN_FRONT.exec(prefix)?.[0] ?? '';
    if (place && Array.from(prefix.slice(place.length)).length >= 2) prefix = prefix.slice(place.length);
    const name = prefix + suffix;
    if (Array.from(prefix).length < 2 || GENERIC_PREFIXES.has(prefix) || GENERIC_INSIDE.test(prefix) || CONCEPT_BEFORE_INSTITUTION.test(prefix)) continue;
    if (NOT_AN_INSTITUTION_AFTER.test(text.slice(match.index + match[0].length, match.index + match[0].length + 4))) continue;
    found.push({ name, start: match.index + match[0].length - name.length, office: false });
  }
  for (const match of text.matchAll(ZH_SHORT)) found.push({ name: match[0], start: match.index, office: false });
  for (const match of text.matchAll(ZH_OFFICE)) {
    const office = OFFICES.find((o) => match[0].endsWith(o))!;
    const name = trimPrefix(match[0], office.length);
    found.push({ name, start: match.index + match[0].length - name.length, office: true });
  }
  return found;
}

function enCandidates(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(EN_UNIT)) {
    const lead = EN_LEADING_WORDS.exec(match[0])?.[0] ?? '';
    const name = match[0].slice(lead.length);
    // A bare suffix ("School") or a sentence-initial capital ("The School") names nothing.
    if (!/\s/.test(name)) continue;
    found.push({ name, start: match.index + lead.length, office: false });
  }
  for (const match of text.matchAll(EN_INSTITUTION)) {
    const lead = EN_LEADING_WORDS.exec(match[0])?.[0] ?? '';
    // The institution's own name, before its kind: none in "The tutoring centre", a kind of place in "District Education".
    const own = match[1]!.slice(lead.length).trim();
    if (own === '' || /^(?:District|County|City|Town|Municipal|Provincial|English|This|That|These|Those|Their|His|Her|Its)\b/.test(own)) continue;
    // "Hexi Middle School English teacher": a school's subject, not an institution.
    if (/\b(?:School|Kindergarten|Primary|Middle|High|Academy|Centre|Center)$/.test(own)) continue;
    found.push({ name: match[0].slice(lead.length), start: match.index + lead.length, office: false });
  }
  for (const match of text.matchAll(EN_DISTRICT_VENUE)) {
    found.push({ name: match[1]!, start: match.index + match[0].length - match[1]!.length, office: false });
  }
  return found;
}

/** The first named school or venue in the text; a bureau sub-office only when no school is named. */
export function extractUnit(text: string): string | null {
  const visible = stripInvisible(text);
  const candidates = [...zhCandidates(visible), ...enCandidates(visible)];
  if (candidates.length === 0) return null;
  const ordered = candidates.sort((a, b) => Number(a.office) - Number(b.office) || a.start - b.start || b.name.length - a.name.length);
  return ordered[0]!.name;
}
