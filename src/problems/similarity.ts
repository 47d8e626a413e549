import { DEFAULT_EXAMPLES_PATH, loadExamples } from '../classify/offline/examples.ts';
import { toSimplified } from '../classify/offline/traditional.ts';
import { latinNamePattern } from '../units/unit-name.ts';

/**
 * "Is this report about the same matter as that one?" without an LLM.
 *
 * Reports reaching this comparison already share a category and a unit, so what is common to every report of
 * that kind (complaint words, 学校, 孩子, the unit's own name) says nothing; what tells two reports apart is the
 * matter itself: 头发 vs 价格, homework vs Saturday classes. Each text becomes a weighted set of features —
 * Chinese character bigrams, English word stems, numbers and hand-written concepts that join synonyms and the
 * two languages (拉肚子 = 腹泻 = food poisoning) — and two texts are compared by cosine similarity.
 */

/**
 * At or above this, two reports of the same category and unit are taken to be the same problem.
 * Calibrated on test/fixtures/grouping-pairs.jsonl; `npx tsx src/problems/similarity-report.ts` reproduces it.
 */
export const SAME_PROBLEM_THRESHOLD = 0.34;


/** One matter, as residents name it in either language. Latin entries match whole words, plural or not. */
interface Concept {
  zh: readonly string[];
  en: readonly string[];
}

// Domain vocabulary from the category catalogue's "covers", written together with the first labelled pairs: it
// covers their wordings better than new ones (docs/GROUPING.md). Grow it from merges staff make by hand.
const CONCEPTS: Record<string, Concept> = {
  // canteen & meals
  hair: { zh: ['头发'], en: ['hair'] },
  insect: { zh: ['虫子', '虫'], en: ['bug', 'insect', 'worm', 'maggot'] },
  cockroach: { zh: ['蟑螂'], en: ['cockroach', 'roach'] },
  rodent: { zh: ['老鼠', '耗子'], en: ['rat', 'mouse', 'mice', 'rodent'] },
  fly: { zh: ['苍蝇'], en: ['fly', 'flies'] },
  price: { zh: ['贵', '价格', '涨价', '涨到', '收费高', '吃不起'], en: ['expensive', 'price', 'pricey', 'overpriced', 'cost', 'costly'] },
  portion: { zh: ['分量', '吃不饱', '饭量', '量少', '不够吃'], en: ['portion', 'hungry', 'not enough food'] },
  cold_food: { zh: ['凉的', '冷的', '冰凉', '冷饭'], en: ['cold food', 'arrives cold', 'served cold'] },
  expired: { zh: ['过期', '保质期', '有效期'], en: ['expired', 'expiry', 'out of date', 'past its date'] },
  food_poisoning: {
    zh: ['食物中毒', '拉肚子', '腹泻', '呕吐', '上吐下泻', '肚子疼', '肚子痛'],
    en: ['food poisoning', 'diarrhea', 'diarrhoea', 'vomit', 'vomiting', 'got sick', 'stomach ache'],
  },
  hygiene: { zh: ['卫生差', '不卫生', '脏', '油污', '脏乱差'], en: ['dirty', 'filthy', 'unhygienic', 'hygiene', 'unsanitary'] },
  cooking_oil: { zh: ['地沟油', '劣质油', '油有'], en: ['cooking oil', 'gutter oil'] },
  no_label: { zh: ['三无', '生产日期'], en: ['no label', 'unlabelled', 'unlabeled'] },
  monotonous: { zh: ['单一', '单调', '顿顿', '天天都是'], en: ['same food every day', 'monotonous'] },
  queue: { zh: ['排队', '排长队'], en: ['queue', 'queued', 'line up', 'waiting line'] },
  // fees
  uniform: { zh: ['校服'], en: ['uniform'] },
  workbook: { zh: ['教辅', '练习册', '辅导书', '资料'], en: ['workbook', 'exercise book', 'study material', 'materials'] },
  receipt: { zh: ['收据', '发票', '票据'], en: ['receipt', 'invoice'] },
  refund: { zh: ['退费', '退钱', '不退', '退还', '退不了', '不给退', '没退', '退款', '要求退', '退剩'], en: ['refund', 'refunded', 'money back'] },
  sponsorship: { zh: ['赞助费', '捐资', '择校费'], en: ['sponsorship', 'donation'] },
  class_fund: { zh: ['班费'], en: ['class fund'] },
  air_conditioning: { zh: ['空调'], en: ['air conditioning', 'air conditioner', 'aircon'] },
  insurance: { zh: ['保险', '意外险'], en: ['insurance'] },
  disclosure: { zh: ['公示', '公开', '账目'], en: ['transparent', 'disclose', 'accounts'] },
  // teacher conduct
  corporal_punishment: { zh: ['体罚', '罚站', '打学生', '打孩子', '打了'], en: ['hit', 'struck', 'slap', 'slapped', 'beat', 'corporal punishment'] },
  verbal_abuse: { zh: ['辱骂', '骂', '羞辱', '嘲笑', '侮辱', '讽刺'], en: ['swear', 'abusive', 'insult', 'humiliate', 'mock', 'curse'] },
  paid_tutoring: { zh: ['有偿补课', '有偿家教', '补习班', '有偿'], en: ['paid tutoring', 'private tutoring', 'private lesson'] },
  gift: { zh: ['送礼', '礼物', '红包', '购物卡', '表示心意', '表示表示'], en: ['gift', 'red envelope', 'present'] },
  phone_use: { zh: ['手机'], en: ['phone', 'mobile'] },
  child_abuse: { zh: ['虐待', '掐', '淤青', '青一块'], en: ['abuse', 'bruise', 'pinch'] },
  praise: { zh: ['表扬', '感谢', '敬业', '负责'], en: ['praise', 'thank', 'dedicated'] },
  harassment: { zh: ['骚扰', '猥亵'], en: ['harass', 'harassment', 'molest'] },
  // campus safety
  bullying: { zh: ['霸凌', '欺负', '欺凌', '殴打', '打架', '被打', '堵在'], en: ['bully', 'bullied', 'bullying', 'beaten', 'fight'] },
  stranger: { zh: ['陌生人', '可疑', '社会青年', '外人'], en: ['stranger', 'suspicious', 'anyone can go in'] },
  drowning: { zh: ['溺水', '玩水', '护栏', '河道'], en: ['drown', 'drowning', 'river'] },
  extortion: { zh: ['勒索', '要钱', '抢钱'], en: ['extort', 'extortion', 'robbed'] },
  isolation: { zh: ['孤立', '排挤'], en: ['isolated', 'excluded', 'left out'] },
  injury: { zh: ['受伤', '摔', '烫伤', '骨折'], en: ['injured', 'hurt', 'injury', 'burned'] },
  suicide: { zh: ['轻生', '自杀', '想不开', '自残'], en: ['suicide', 'suicidal', 'self-harm'] },
  fire_safety: { zh: ['灭火器', '消防栓', '消防', '火灾'], en: ['fire extinguisher', 'fire hydrant', 'fire'] },
  internet_cafe: { zh: ['网吧', '上网'], en: ['internet cafe', 'internet bar'] },
  vaping: { zh: ['电子烟', '香烟'], en: ['vape', 'e-cigarette', 'cigarette'] },
  wall: { zh: ['围墙', '翻墙'], en: ['fence', 'wall'] },
  gate_open: { zh: ['大门敞开', '随便进出', '门开着'], en: ['gate is always open', 'left open', 'gate open'] },
  // study burden
  homework: { zh: ['作业'], en: ['homework', 'assignment'] },
  extra_classes: { zh: ['补课', '加课', '集中上课'], en: ['extra lesson', 'extra class', 'make-up class', 'cram'] },
  weekend: { zh: ['周六', '周日', '周末', '星期六', '双休'], en: ['saturday', 'sunday', 'weekend'] },
  ranking: { zh: ['排名', '名次', '排座位'], en: ['ranking', 'rank', 'rankings'] },
  exam: { zh: ['考试', '月考', '测验'], en: ['exam', 'test', 'quiz'] },
  early_start: { zh: ['早读', '七点', '7点', '到校'], en: ['7 am', '7am', 'early start'] },
  evening_study: { zh: ['晚自习'], en: ['evening study', 'evening self-study'] },
  winter_break: { zh: ['寒假', '腊月', '年前'], en: ['winter break', 'winter holiday'] },
  summer_break: { zh: ['暑假'], en: ['summer break', 'summer holiday'] },
  parent_marking: { zh: ['批改', '签字', '打印'], en: ['mark homework', 'grade homework', 'sign', 'print'] },
  late_dismissal: { zh: ['放学太晚', '才放学', '才放', '放学晚', '五点半'], en: ['dismiss late', 'kept late', 'until 6'] },
  check_in: { zh: ['打卡'], en: ['check in', 'check-in'] },
  // buildings & facilities
  toilet: { zh: ['厕所', '卫生间', '坑位', '冲水', '洗手间'], en: ['toilet', 'restroom', 'bathroom', 'washroom', 'flush'] },
  heating: { zh: ['暖气', '供暖', '冻得', '暖气片'], en: ['heating', 'radiator', 'heater', 'freezing'] },
  drinking_water: { zh: ['饮水机', '喝的水', '饮用水', '滤芯'], en: ['water dispenser', 'drinking water', 'water filter'] },
  leak: { zh: ['漏水', '漏雨', '滴水', '渗水'], en: ['leak', 'leaks', 'leaking', 'drip', 'drips'] },
  hot_water: { zh: ['热水', '洗澡', '淋浴'], en: ['hot water', 'shower', 'showers'] },
  tiles: { zh: ['瓷砖', '墙砖', '外墙'], en: ['tile', 'tiles', 'facade'] },
  formaldehyde: { zh: ['甲醛', '刺鼻', '装修'], en: ['formaldehyde', 'renovation', 'paint smell'] },
  lighting: { zh: ['灯光', '太暗', '照明', '路灯', '不开灯'], en: ['lighting', 'light', 'lights', 'dark', 'street light'] },
  dormitory: { zh: ['宿舍', '寝室'], en: ['dorm', 'dormitory', 'boarding'] },
  furniture: { zh: ['课桌', '桌椅', '床板'], en: ['desk', 'chair', 'bed'] },
  // transport
  congestion: { zh: ['堵', '拥堵', '堵塞', '堵车', '水泄不通'], en: ['traffic jam', 'congestion', 'blocks traffic', 'block', 'blocked'] },
  school_bus: { zh: ['校车'], en: ['school bus', 'bus'] },
  overloading: { zh: ['超载', '超员', '挤得'], en: ['overload', 'overloaded', 'overcrowded', 'packed'] },
  parking: { zh: ['乱停', '停车', '乱停乱放'], en: ['park', 'parking', 'parked', 'double park', 'double-park'] },
  sidewalk: { zh: ['人行道'], en: ['sidewalk', 'pavement'] },
  speed: { zh: ['减速带', '车速', '开得太快'], en: ['speed bump', 'speeding', 'too fast'] },
  crossing: { zh: ['红绿灯', '斑马线', '过马路', '信号灯'], en: ['crossing', 'traffic light', 'zebra'] },
  public_transport: { zh: ['公交'], en: ['bus stop', 'public transport'] },
  traffic_police: { zh: ['交警', '疏导', '协管'], en: ['crossing guard', 'traffic police'] },
  late_arrival: { zh: ['迟到', '晚到', '没来'], en: ['late', 'never came', "didn't show up"] },
  walk_far: { zh: ['山路', '走很远', '走路'], en: ['walk', 'long way'] },
  route: { zh: ['路线', '不停了', '站点'], en: ['route', 'stop'] },
  // private tutoring
  closure: { zh: ['跑路', '关门', '倒闭', '人去楼空', '联系不上'], en: ['closed', 'shut down', 'closed down', 'disappeared'] },
  prepaid: { zh: ['预交', '预付', '一次性交', '一次性收'], en: ['prepaid', 'prepay', 'upfront'] },
  licence: { zh: ['许可证', '证照', '无证', '资质'], en: ['license', 'licence', 'licensed', 'unlicensed'] },
  subject_training: { zh: ['学科培训', '学科类', '语数英', '奥数', '数学'], en: ['math', 'maths', 'school subject', 'subjects'] },
  loan: { zh: ['贷款', '培训贷', '分期'], en: ['loan', 'installment', 'instalment'] },
  false_advertising: { zh: ['虚假宣传', '包过', '保过'], en: ['false advertising', 'guaranteed', 'pass rate'] },
  // sports venues & events
  booking: { zh: ['预约', '订场', '约不上'], en: ['booked', 'booking', 'reservation', 'reserve'] },
  water_quality: { zh: ['浑浊', '水浑', '水太浑', '氯', '消毒水'], en: ['cloudy', 'murky', 'chlorine'] },
  membership_card: { zh: ['年卡', '会员卡', '次卡'], en: ['membership', 'annual pass', 'season ticket'] },
  opening_hours: { zh: ['开放时间', '关门', '闭馆', '八点', '8点', '开到'], en: ['opening hours', 'closes', 'open later', '8 pm', '8pm'] },
  gym_equipment: { zh: ['跑步机', '健身器材', '器材'], en: ['treadmill', 'equipment', 'machines'] },
  public_opening: { zh: ['对外开放', '不让居民', '不开放'], en: ['open to the public', 'closed to residents'] },
  track: { zh: ['跑道'], en: ['track', 'running track'] },
  ebike: { zh: ['电动车', '电瓶车'], en: ['e-bike', 'ebike', 'scooter', 'electric bike'] },
  stands: { zh: ['看台', '座椅'], en: ['stands', 'bleachers', 'seats'] },
  pe_lessons: { zh: ['体育课'], en: ['pe lesson', 'pe class', 'gym class'] },
  occupied: { zh: ['占用', '被占', '占了', '霸占', '包场', '包下'], en: ['taken over', 'replaced by', 'hogged', 'monopolised', 'monopolized', 'block-booked'] },
  marathon: { zh: ['马拉松'], en: ['marathon'] },
  ticket: { zh: ['票价', '门票'], en: ['ticket', 'admission'] },
  // bureau services
  hotline: { zh: ['热线', '电话', '打不通', '没人接'], en: ['hotline', 'phone', 'call', 'called', 'answer', 'picks up'] },
  website: { zh: ['网站', '官网'], en: ['website', 'web site'] },
  teaching_licence: { zh: ['教师资格'], en: ['teaching certificate', 'teacher certification'] },
  attitude: { zh: ['态度', '爱答不理', '不耐烦'], en: ['attitude', 'rude', 'impatient'] },
  professional_title: { zh: ['职称'], en: ['professional title'] },
  fraud: { zh: ['造假', '弄虚作假', '作弊'], en: ['fake', 'fraud', 'forged', 'cheat'] },
  recruitment: { zh: ['招聘', '招考'], en: ['recruitment', 'recruiting', 'hiring'] },
  salary: { zh: ['工资', '薪水', '拖欠', '待遇'], en: ['salary', 'wage', 'wages', 'unpaid'] },
  reimbursement: { zh: ['报销'], en: ['reimbursement', 'expense claim'] },
  diploma: { zh: ['毕业证', '毕业证明', '学历证明'], en: ['diploma', 'graduation certificate'] },
  service_window: { zh: ['窗口', '中午不上班', '办事大厅'], en: ['service window', 'service counter', 'counter', 'lunchtime'] },
  medical_exam: { zh: ['体检'], en: ['medical exam', 'health check'] },
  red_tape: { zh: ['跑三趟', '来回跑', '手续繁琐', '太繁琐', '太麻烦'], en: ['red tape', 'paperwork'] },
  // enrollment
  catchment: { zh: ['划片', '学区'], en: ['catchment', 'school district', 'zoning'] },
  places: { zh: ['名额', '学位', '报不上', '没报上'], en: ['place', 'places', 'full', 'spots', 'ran out'] },
  documents: { zh: ['材料', '证明', '原件', '房产证'], en: ['document', 'documents', 'paperwork', 'proof'] },
  selection_exam: { zh: ['选拔考试', '招生考试', '小升初', '入学考试'], en: ['entrance exam', 'selection exam'] },
  connections: { zh: ['关系户', '找关系', '看关系', '花钱就能'], en: ['connection', 'connections', 'connected', 'guanxi'] },
  migrant_children: { zh: ['随迁子女', '外地户口', '外地'], en: ['migrant', 'relocated', 'moved to', 'moved here', 'non-local'] },
  social_insurance: { zh: ['社保'], en: ['social insurance', 'social security'] },
  registration_system: { zh: ['报名系统', '报名平台', '登录不上', '提交不了', '提交失败', '系统', '平台'], en: ['registration system', 'online system', 'website down'] },
  transfer: { zh: ['转学', '转进', '转走'], en: ['transfer', 'transferred'] },
  class_placement: { zh: ['分班', '快班', '重点班', '实验班'], en: ['class placement', 'fast-track', 'key class', 'streaming'] },
  registration_date: { zh: ['报名时间', '什么时候报名', '哪天', '报名是'], en: ['registration date', 'when to register'] },
  disability: { zh: ['残疾', '随班就读', '送教上门', '特殊教育'], en: ['disabled', 'disability', 'special needs'] },
  // Families added after the first 235 pairs, from the kinds of matter the hold-out showed missing (see
  // docs/GROUPING.md): each is domain vocabulary for one matter, not the wording of one pair.
  spoiled: { zh: ['馊', '变质', '发霉', '霉变', '发臭', '臭了', '变味', '异味', '不新鲜'], en: ['spoiled', 'spoilt', 'rotten', 'stale', 'mouldy', 'moldy', 'gone off', 'smells off'] },
  tableware: { zh: ['碗筷', '餐具', '碗', '筷子', '餐盘', '饭盒', '勺子', '盘子', '消毒柜'], en: ['tableware', 'dishes', 'bowl', 'chopsticks', 'plate', 'tray', 'cutlery', 'utensil', 'lunch box'] },
  sweets: { zh: ['零食', '糖果', '甜食', '饮料', '汽水', '可乐', '碳酸', '糖'], en: ['sweets', 'candy', 'candies', 'snack', 'soda', 'fizzy', 'soft drink', 'sugar', 'sugary', 'junk food'] },
  undercooked: { zh: ['夹生', '没熟', '不熟', '没煮熟', '半生'], en: ['undercooked', 'uncooked', 'raw', 'half-cooked', 'not cooked'] },
  catering: { zh: ['配餐', '送餐', '供餐', '餐饮公司'], en: ['catering', 'caterer', 'meal supplier'] },
  illegal_charge: { zh: ['乱收费', '违规收费', '多收费', '额外收费', '巧立名目', '变相收费'], en: ['overcharge', 'overcharging', 'illegal fee', 'extra fee', 'hidden fee', 'unauthorized charge', 'unauthorised charge'] },
  forced_purchase: { zh: ['强制购买', '强制买', '必须买', '必须购买', '统一购买', '指定购买', '推销'], en: ['sell', 'sells', 'selling', 'forced to buy', 'force students to buy', 'forces students to buy', 'must buy', 'have to buy', 'made to buy'] },
  sent_out: { zh: ['罚站', '赶出教室', '不让进教室', '不许进教室', '门外', '走廊', '关在'], en: ['stand outside', 'made to stand', 'kicked out of class', 'sent out of class', 'corridor', 'hallway'] },
  alcohol: { zh: ['喝酒', '酒气', '醉酒', '喝醉', '酒后', '酒味'], en: ['drunk', 'alcohol', 'booze', 'smells of drink'] },
  exam_exclusion: { zh: ['升学率', '劝退', '分流', '放弃中考', '放弃考试', '不让参加考试'], en: ['graduation rate', 'drop out', 'give up the exam', 'discouraged from'] },
  high_stakes_exam: { zh: ['中考', '高考', '会考'], en: ['gaokao', 'high school entrance exam', 'college entrance exam'] },
  weapon: { zh: ['刀具', '管制刀', '仿真刀', '刀', '匕首', '弹弓', '仿真枪', '玩具枪'], en: ['knife', 'knives', 'blade', 'weapon', 'toy gun', 'slingshot'] },
  online_video: { zh: ['视频', '录像', '抖音', '快手', '发到网上', '传到网上', '朋友圈'], en: ['video', 'videos', 'film', 'filming', 'filmed', 'social media', 'tiktok', 'douyin', 'posted online', 'posting online'] },
  vendor: { zh: ['小摊', '摊贩', '流动摊', '小卖部'], en: ['vendor', 'stall', 'hawker', 'street seller'] },
  illness: { zh: ['发烧', '发高烧', '生病', '病了', '身体不舒服'], en: ['fever', 'sick', 'ill', 'unwell'] },
  emergency_exit: { zh: ['安全出口', '逃生通道', '疏散通道', '消防通道', '应急通道'], en: ['emergency exit', 'fire exit', 'escape route'] },
  glass: { zh: ['玻璃'], en: ['glass', 'shattered'] },
  window: { zh: ['窗户', '窗子', '窗框', '漏风', '灌风'], en: ['window', 'draught', 'draft'] },
  illegal_vehicle: { zh: ['黑车', '非法营运', '面包车', '三轮车', '无证车辆'], en: ['illegal taxi', 'unlicensed van', 'minivan', 'van', 'tricycle'] },
  power_outage: { zh: ['停电', '断电', '跳闸', '没电'], en: ['power cut', 'power outage', 'blackout', 'no electricity'] },
  electrical: { zh: ['电热毯', '私拉电线', '插线板', '大功率', '违规电器'], en: ['electric blanket', 'extension cord', 'wiring'] },
  seat_belt: { zh: ['安全带'], en: ['seat belt', 'seatbelt'] },
  app: { zh: ['小程序', '屏幕', '网上作业', '线上作业'], en: ['app', 'screen', 'online homework'] },
  teacher_turnover: { zh: ['换老师', '换人', '频繁换', '更换老师'], en: ['changed teacher', 'changing teacher', 'teacher turnover', 'new teacher every'] },
  unused_lessons: { zh: ['剩余课时', '剩下的课', '课时费', '未上课时', '没上完的课'], en: ['remaining lessons', 'unused lessons', 'lessons left'] },
  bridging_course: { zh: ['衔接班', '超前', '提前学', '预科'], en: ['bridging course', 'ahead of the syllabus', 'preview course'] },
  childcare: { zh: ['托管', '看护', '看孩子'], en: ['daycare', 'childcare', 'after-school care'] },
  disguised: { zh: ['改名', '换个名字', '换名字', '挂羊头', '变相', '名义'], en: ['renamed', 'rebranded', 'disguised', 'under the name'] },
  perfunctory: { zh: ['敷衍', '套话', '走过场', '打官腔', '官腔', '答非所问', '一句话'], en: ['boilerplate', 'brushed off', 'fobbed off', 'template answer', 'canned response', 'generic reply'] },
  progress_tracking: { zh: ['进度', '查询', '处理到哪', '办到哪', '进展'], en: ['progress', 'tracking', 'track my', 'status'] },
  home_visit: { zh: ['核查', '上门', '入户', '实地', '查房'], en: ['home visit', 'inspection', 'verify residence', 'check where we live'] },
  lottery: { zh: ['摇号', '抽签', '派位'], en: ['lottery', 'ballot', 'random draw'] },
  transparency: { zh: ['透明', '暗箱', '内定', '公证'], en: ['transparent', 'transparency', 'opaque', 'rigged'] },
  foreign: { zh: ['外籍', '护照', '外国', '港澳台', '华侨'], en: ['foreign', 'foreigner', 'passport', 'foreign national', 'overseas'] },
  // other
  bot_question: { zh: ['机器人', '这个号', '干什么用', '做什么的'], en: ['bot', 'anyone reading', 'anyone actually read'] },
  property_ad: { zh: ['学区房', '出售', '急售'], en: ['for sale', 'selling'] },
  spam: { zh: ['代办', '联系qq', '加微信'], en: ['click here', 'contact qq'] },
};

/** Words every report of a kind shares; kept out so they cannot make two different matters look alike. */
const ZH_STOP_PHRASES = [
  '相关部门', '有关部门', '为什么', '是不是', '能不能', '请问', '投诉', '反映', '举报', '学校', '校方', '老师', '希望',
  '问题', '孩子', '小孩', '学生', '家长', '我们', '我家', '你们', '他们', '一直', '非常', '特别', '部门', '情况', '现象',
  '处理', '解决', '尽快', '严重', '已经', '总是', '经常', '每天', '天天', '这个', '那个', '什么', '怎么', '可以', '还是',
  '就是', '但是', '而且', '因为', '所以', '真的', '实在', '根本', '现在', '一下', '一些', '好多', '很多', '所有', '其他',
  '谢谢', '您好', '你好', '请', '的', '了', '吗', '呢', '吧', '啊', '呀', '么', '哦', '太', '很', '都', '也', '还', '就',
  '又', '被', '把', '让', '给', '和', '与', '及', '在', '是', '我', '你', '他', '她', '它', '这', '那', '个',
].sort((a, b) => b.length - a.length);

const EN_STOP_WORDS = new Set(
  (
    'a an the is are was were be been being have has had do does did to of in on at for with by from into my our your ' +
    'their his her its it this that these those there they we i you he she and or but so as if than then can could ' +
    'will would should must may might about after before up down out just even any all some what why how when who ' +
    'where which please problem complaint issue report help every always still again really very too much many me ' +
    'us them school schools teacher teachers student students kid kids child children son daughter parent parents ' +
    'family families get got make made take took keep keeps say says said one two here now today yesterday ' +
    "middle primary high kindergarten district it's i've don't doesn't can't won't isn't aren't no not"
  ).split(/\s+/),
);

// A unit named by number (一中, 第2小学, 二幼) is the pre-filtered unit, not the matter. A numeral run is read from its
// first numeral only (the look-behind), and the English one has a single reading of its spaces: tried from every
// numeral of a long run, or splitting a long run of spaces two ways, either took time quadratic in its length.
const NUMBERED_UNIT = /第?(?<![一二三四五六七八九十\d])[一二三四五六七八九十\d]+(?:中学|小学|幼儿园|中|小|幼)/gu;
const LATIN_NUMBERED_UNIT = /\bno\.?\s*\d+\s+(?:(?:middle|high|primary)\s*)?(?:school|kindergarten)\b/gi;

const WEIGHT_CONCEPT = 2;
const WEIGHT_BIGRAM = 1;
const WEIGHT_WORD = 1;
const WEIGHT_NUMBER = 1;

// Weighting by rarity in the resident messages of prompts/examples.jsonl (1,400 texts of every category): a
// feature that many reports share (宿舍, 食堂, #school_bus, #exam) names the setting, not the matter, and counts
// less. r = ln((n+1)/(df+1)) / ln(n+1) is 1 for a feature no example has and 0 for one every example has.
/** Bigrams and words get full weight from r >= IDF_FULL down, linearly, to IDF_FLOOR. */
const IDF_FULL = 0.8;
const IDF_FLOOR = 0.1;
/** A bigram no example has is mostly a seam between two words (号结, 果不), not a rare word: it counts less. */
const UNSEEN_WEIGHT = 0.6;
/** Concepts are hand-picked matters; they are discounted more gently. */
const CONCEPT_IDF_FULL = 0.7;
const CONCEPT_IDF_FLOOR = 0.3;

interface CompiledConcept {
  token: string;
  zh: readonly string[];
  en: RegExp | null;
}

const COMPILED_CONCEPTS: readonly CompiledConcept[] = Object.entries(CONCEPTS).map(([id, concept]) => ({
  token: `#${id}`,
  zh: concept.zh,
  en:
    concept.en.length === 0
      ? null
      : new RegExp(`\\b(?:${concept.en.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?:s|es)?\\b`, 'i'),
}));

/** What a text is compared on: feature → weight, and the vector's length. */
export interface TextFeatures {
  readonly weights: ReadonlyMap<string, number>;
  readonly norm: number;
}

const latinPatterns = new Map<string, RegExp>();
function latinPatternOf(name: string): RegExp {
  let pattern = latinPatterns.get(name);
  if (!pattern) {
    pattern = latinNamePattern(name);
    // Unit names are few; the cap only guards against a caller passing free text here.
    if (latinPatterns.size < 1000) latinPatterns.set(name, pattern);
  }
  return pattern;
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return word.slice(0, -3) + 'y';
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** The unweighted features of a text whose unit names are already removed: feature → base weight. */
function rawFeatures(folded: string): Map<string, number> {
  const weights = new Map<string, number>();
  const put = (feature: string, weight: number): void => {
    weights.set(feature, Math.max(weights.get(feature) ?? 0, weight));
  };

  for (const concept of COMPILED_CONCEPTS) {
    if (concept.zh.some((surface) => folded.includes(surface)) || concept.en?.test(folded)) put(concept.token, WEIGHT_CONCEPT);
  }

  let han = folded;
  for (const phrase of ZH_STOP_PHRASES) han = han.split(phrase).join(' ');
  for (const run of han.match(/\p{Script=Han}+/gu) ?? []) {
    const chars = Array.from(run);
    if (chars.length === 1) put(chars[0]!, WEIGHT_BIGRAM / 2);
    for (let i = 0; i + 1 < chars.length; i++) put(chars[i]! + chars[i + 1]!, WEIGHT_BIGRAM);
  }
  for (const word of folded.match(/[a-z][a-z'-]*/g) ?? []) {
    if (word.length < 2 || EN_STOP_WORDS.has(word)) continue;
    put(stem(word.replace(/'s$/, '')), WEIGHT_WORD);
  }
  for (const number of folded.match(/\d+/g) ?? []) put(`=${number}`, WEIGHT_NUMBER);
  return weights;
}

/** NFKC, lower case, and traditional characters read as simplified (體育館 = 体育馆), as the classifier reads them. */
export function foldText(text: string): string {
  return toSimplified(text.normalize('NFKC').toLowerCase());
}

let documentFrequencies: { n: number; df: Map<string, number> } | undefined;

/** Loaded once, on first use; without the examples file every feature keeps its base weight. */
function loadDocumentFrequencies(): { n: number; df: Map<string, number> } {
  const df = new Map<string, number>();
  let texts: string[];
  try {
    // examples.jsonl alone: the other example files add greetings and praise, which say nothing about matters.
    texts = loadExamples(DEFAULT_EXAMPLES_PATH).map((example) => example.text);
  } catch {
    return { n: 0, df };
  }
  for (const text of texts) {
    const folded = foldText(text).replace(NUMBERED_UNIT, ' ').replace(LATIN_NUMBERED_UNIT, ' ');
    for (const feature of rawFeatures(folded).keys()) df.set(feature, (df.get(feature) ?? 0) + 1);
  }
  return { n: texts.length, df };
}

/** How much a feature's base weight counts, in (0, 1], by how rare it is in resident messages. */
function rarity(feature: string): number {
  documentFrequencies ??= loadDocumentFrequencies();
  const { n, df } = documentFrequencies;
  if (n === 0) return 1;
  const seen = df.get(feature) ?? 0;
  const concept = feature.startsWith('#');
  if (seen === 0 && !concept) return UNSEEN_WEIGHT;
  const r = Math.log((n + 1) / (seen + 1)) / Math.log(n + 1);
  return concept ? Math.max(CONCEPT_IDF_FLOOR, Math.min(1, r / CONCEPT_IDF_FULL)) : Math.max(IDF_FLOOR, Math.min(1, r / IDF_FULL));
}

/**
 * The features of one report. `ignore` lists the names of the unit both reports are about (name and aliases);
 * they are removed like stop words.
 */
export function textFeatures(text: string, ignore: readonly string[] = []): TextFeatures {
  let folded = foldText(text);
  for (const name of [...ignore].sort((a, b) => b.length - a.length)) {
    folded = /[a-z]/i.test(name) ? folded.replace(latinPatternOf(name), ' ') : folded.split(name.normalize('NFKC')).join(' ');
  }
  folded = folded.replace(NUMBERED_UNIT, ' ').replace(LATIN_NUMBERED_UNIT, ' ');

  const weights = rawFeatures(folded);
  for (const [feature, weight] of weights) {
    if (!feature.startsWith('=')) weights.set(feature, weight * rarity(feature));
  }

  let sumOfSquares = 0;
  for (const weight of weights.values()) sumOfSquares += weight * weight;
  return { weights, norm: Math.sqrt(sumOfSquares) };
}

/** Cosine similarity of two feature sets, in [0, 1]. */
export function featureSimilarity(a: TextFeatures, b: TextFeatures): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const [small, large] = a.weights.size <= b.weights.size ? [a, b] : [b, a];
  const products: number[] = [];
  for (const [feature, weight] of small.weights) {
    const other = large.weights.get(feature);
    if (other !== undefined) products.push(weight * other);
  }
  // Summed in a fixed order so that similarity(a, b) and similarity(b, a) agree to the last bit.
  const dot = products.sort((x, y) => x - y).reduce((sum, p) => sum + p, 0);
  return Math.min(1, dot / (a.norm * b.norm));
}

/** How alike two reports' texts are, in [0, 1]; symmetric; 1 for the same text. */
export function textSimilarity(a: string, b: string, ignore: readonly string[] = []): number {
  if (a.trim() === b.trim()) return 1;
  return featureSimilarity(textFeatures(a, ignore), textFeatures(b, ignore));
}

/** The k candidates most like the text, best first (ties by id), to shortlist for a closer decision. */
export function findSimilar(
  text: string,
  candidates: ReadonlyArray<{ id: number; text: string }>,
  k: number,
  ignore: readonly string[] = [],
): Array<{ id: number; score: number }> {
  const features = textFeatures(text, ignore);
  return candidates
    .map((candidate) => ({
      id: candidate.id,
      score: text.trim() === candidate.text.trim() ? 1 : featureSimilarity(features, textFeatures(candidate.text, ignore)),
    }))
    .sort((x, y) => y.score - x.score || x.id - y.id)
    .slice(0, Math.max(0, k));
}
