/**
 * Cue phrases that a person reading the category definitions would recognise at once. They reach words the
 * training examples never used; the learned model decides how much each cue is worth. Cues are matched on
 * normalized text (NFKC, lower case). A category id that is not in the catalogue is simply ignored, so these
 * hints can never invent a label.
 */

export const CATEGORY_CUES: Readonly<Record<string, readonly string[]>> = {
  enrollment: [
    '插班', '复学', '休学', '留级', '校区', '分校', '本部', '积分入学', '监护人', '接收', '名额', '学籍系统',
    '报名材料', '招生', '入学', '学区', '划片', '学位', '转学', '转学籍', '学籍', '幼升小', '小升初', '新生', '摇号',
    '录取', '招生简章', '入园', '就近入学', '随迁子女', '适龄', '户籍', '落户', '调剂', '服务范围', '分数线', '升学',
    '报名入学', '学前班', '一年级新生', '招几个班', '随班就读', '借读', '返乡入学',
    'register', 'guardian', 'repeat grade', 'records', 'places', 'place at', 'enroll', 'enrol', 'enrollment',
    'enrolment', 'admission', 'catchment', 'school place', 'register for', 'registration', 'hukou', 'first grade',
    'grade one', 'transfer', 'admitted', 'lottery', 'school district',
  ],
  fees: [
    '押金', '保证金', '体检费', '军训', '服装费', '教材费', '退还', '家委会', '每人', '每个学生交', '收了', '收费',
    '乱收费', '收取', '缴费', '交钱', '交费', '费用', '校服', '教辅', '资料费', '试卷费', '赞助费', '择校费', '捐款',
    '集资', '收据', '发票', '代收费', '保教费', '保育费', '住宿费', '服务费', '强制购买', '指定购买', '指定书店',
    '借读费', '班费', '杂费', '学费', '退钱', '多收', '买指定', '必须买', '强制订', '工本费', '照相费', '练习册',
    '元',
    'deposit', 'trip', 'tablet', 'refunded', 'raised its', 'pay', 'fee', 'charge', 'charged', 'uniform', 'workbook',
    'receipt', 'donation', 'donate', 'yuan', 'compulsory purchase', 'overcharge', 'pay for',
  ],
  teacher_conduct: [
    '赶出教室', '冷暴力', '没收', '摔坏', '迟到早退', '请吃饭', '请她吃饭', '卖自己', '不买', '弱智', '嘲讽', '骂',
    '罚', '有偿补课', '有偿家教', '在职教师', '在职老师', '体罚', '变相体罚', '师德', '师风', '扇耳光', '打耳光',
    '耳光', '辱骂', '侮辱', '羞辱', '歧视', '收礼', '送礼', '红包', '购物卡', '罚站', '挖苦', '讽刺', '老师打',
    '老师骂', '班主任打', '班主任骂', '老师让', '老师用', '老师把', '当众', '补习班', '开补习', '开辅导班', '推销',
    '偏心', '不批改', '猥亵', '打学生', '骂学生', '老师收', '暗示',
    'kicked out', 'kicked my', 'confiscated', 'favour', 'favor', 'corridor', 'stand outside', 'punish', 'punishment',
    'teacher', 'teacher slapped', 'teacher hit', 'paid tutoring', 'private tutoring', 'private lessons', 'gift',
    'humiliate', 'insult', 'corporal punishment', 'mocked', 'called my', 'teacher kicked', 'teacher called',
    'homeroom teacher',
  ],
  campus_safety: [
    '翻墙', '翻进', '校外人员', '社会人员', '外人', '闲杂', '流浪狗', '保护费', '心理老师', '抑郁症', '堵', '跟踪',
    '恐慌', '危险品', '化学试剂', '陌生男子', '可疑', '暴露', '欺凌', '霸凌', '校园暴力', '被打', '打架', '群殴',
    '勒索', '敲诈', '受伤', '摔伤', '骨折', '陌生人', '溺水', '防溺水', '消防', '灭火器', '火灾', '起火', '着火',
    '心理', '抑郁', '自杀', '轻生', '跳楼', '自残', '割腕', '失踪', '走失', '保安', '监控', '安全隐患', '打闹',
    '推搡', '欺负', '孤立', '起外号', '威胁', '拿刀', '持刀', '电子烟', '社会青年', '高年级', '同学打', '不想活',
    '安全',
    'outsiders', 'stray dog', 'intruder', 'a man', 'exposed', 'suspicious', 'gang', 'counsellor', 'counselor',
    'depression', 'cornered', 'mocked', 'bully', 'bullied', 'bullying', 'beaten', 'fight', 'stranger', 'drown',
    'drowning', 'fire', 'suicide', 'self-harm', 'injured', 'missing', 'extort', 'classmate', 'older students',
    'older boys', 'knife', 'security guard', 'safe', 'pushed', 'wants to die',
  ],
  food: [
    '夜宵', '泡面', '饿', '订餐', '饭盒', '饮料', '豆浆', '酸奶', '水果', '营养', '吃', '食堂', '饭菜', '午饭',
    '午餐', '早餐', '晚饭', '营养餐', '伙食', '食物中毒', '上吐下泻', '拉肚子', '腹泻', '变质', '发霉', '过期',
    '虫子', '后厨', '食材', '陪餐', '饭卡', '牛奶', '小卖部', '零食', '打饭', '吃不饱', '难吃', '菜里', '餐费',
    '配餐', '食谱', '餐具', '碗筷', '吃饭', '饭', '菜', '肉', '鸡蛋', '面包', '包子', '油', '吃了',
    'maggot', 'catering', 'hungry', 'juice', 'drink', 'drinking', 'supplies the school lunches', 'yogurt', 'fruit',
    'halal', 'rotten', 'canteen', 'cafeteria', 'lunch', 'meal', 'food', 'menu', 'kitchen', 'food poisoning',
    'diarrhoea', 'diarrhea', 'vomit', 'vomiting', 'milk', 'snack', 'expired', 'worm', 'undercooked', 'breakfast',
    'dinner', 'eat', 'rice',
  ],
  study_burden: [
    '周周清', '补考', '快慢班', '集中学习', '返校', '延时', '超纲', '竞赛题', '崩溃', '熬夜', '十一点', '成绩',
    '作业', '家庭作业', '考试', '周考', '月考', '排名', '名次', '公布成绩', '假期补课', '集体补课', '晚自习', '早读',
    '双减', '课业负担', '压力大', '打卡', '放假', '周末上课', '周六上课', '寒假作业', '暑假作业', '延时服务', '分班',
    '睡不着', '写到', '背课文', '默写', '抄', '试卷', '卷子', '模拟考', '返校学习', '上新课', '网课', '补课',
    'extra lessons', 'weekly test', 'after-school service', 'fast and slow', 'scores', 'stay until',
    'double reduction', 'homework', 'exam', 'test', 'ranking', 'rank', 'holiday classes', 'weekend classes',
    'self-study', 'workload', 'pressure', 'check-in', 'saturdays', 'sundays', 'holiday', 'grades one', 'until 10',
  ],
  facilities: [
    '水管', '爆了', '电梯', '甲醛', '插座', '霉', '下水道', '实验室器材', '门锁', '水龙头', '电路', '跳闸', '吊顶',
    '瓷砖', '旗杆', '单杠', '校舍', '教学楼', '教室', '厕所', '卫生间', '暖气', '供暖', '空调', '风扇', '电扇',
    '灯管', '照明', '宿舍', '饮水机', '直饮水', '漏水', '渗水', '漏雨', '维修', '报修', '损坏', '坏了', '围栏',
    '围墙', '护栏', '课桌椅', '桌椅', '门窗', '窗户', '危房', '墙体', '开裂', '裂缝', '天花板', '设备', '电脑',
    '多媒体', '锅炉', '热水器', '热水', '堵了', '漏', '冷', '冻', '墙皮', '屋顶', '楼梯', '新校区', '施工', '滑梯',
    '纱窗', '黑板', '图书馆',
    'pipe', 'mould', 'mold', 'elevator', 'socket', 'furniture', 'taps', 'flooded', 'dorm', 'building', 'classroom',
    'toilet', 'heating', 'air conditioning', 'light', 'dormitory', 'drinking water', 'repair', 'broken', 'fence',
    'leak', 'ceiling', 'crack', 'desk', 'window', 'campus', 'plaster', 'freezing', 'filter', 'slide', 'playground',
  ],
  transport: [
    '出租车', '网约车', '拉客', '揽客', '随车', '照管', '人行横道', '盲道', '掉头', '交通管制', '限行', '单向',
    '机动车道', '校门口', '校车', '接送', '堵车', '拥堵', '堵', '交通', '停车', '乱停', '红绿灯', '斑马线', '人行道',
    '过马路', '交警', '护学岗', '放学高峰', '司机', '超载', '公交', '电动车', '马路', '路口', '车辆', '开车', '撞',
    '罚单', '站点', '线路', '专线', '天桥', '减速带', '国道', '逆行', '私家车', '面包车', '接孩子', '送孩子', '车',
    'taxi', 'ride-hailing', 'attendant', 'crossing guard', 'drop-off lane', 'highway', 'bus stop', 'route',
    'school bus', 'bus', 'traffic', 'jam', 'jammed', 'congestion', 'congested', 'parking', 'park', 'crossing',
    'drop-off', 'pick-up', 'driver', 'overloaded', 'road', 'car', 'scooter', 'truck', 'gate',
  ],
  off_campus_training: [
    '美术班', '钢琴班', '舞蹈班', '书法班', '围棋班', '跆拳道', '乐高', '编程', '口才班', '考级', '会员卡',
    '网课平台', '书法', '辅导班', '思维训练', '奥数', '虚假宣传', '包过', '执法', '查处', '培训机构', '培训班',
    '培训学校', '培训中心', '辅导机构', '校外培训', '托管班', '机构', '课时费', '课时', '预付费', '预收费', '预收',
    '跑路', '卷款', '倒闭', '关门', '退课', '学科类培训', '学科培训', '办学许可证', '白名单', '老板', '合同',
    '一对一', '夏令营', '学费贷', '补习', '兴趣班', '无证', '备案', '资质',
    'music centre', 'dance studio', 'coding school', 'cram school', 'prepaid card', 'club', 'art school',
    'illegal tutoring', 'tutoring centre', 'tutoring center', 'tutoring company', 'training centre',
    'training center', 'training school', 'institution', 'agency', 'prepaid', 'lessons', 'tutoring', 'licence',
    'license', 'owner', 'contract', 'refund',
  ],
  sports: [
    '体育公园', '网球场', '健身广场', '体测', '体质测试', '联赛', '羽毛球馆', '田径', '实心球', '更衣室', '操场开放',
    '开放操场', '运动', '体育馆', '体育场', '体育中心', '游泳馆', '游泳池', '健身器材', '健身', '全民健身', '运动会',
    '比赛', '赛事', '篮球场', '篮球', '羽毛球', '乒乓球', '足球', '跑道', '体育课', '体育中考', '体质', '对外开放',
    '开放时间', '场馆', '场地', '马拉松', '裁判', '游泳', '跳绳', '步道', '球场', '锻炼',
    'tennis', 'sports park', 'fitness square', 'league', 'pe exam', 'running track', 'outdoor gym', 'public pool',
    'stadium', 'gym', 'gymnasium', 'sports centre', 'sports center', 'swimming pool', 'pool', 'fitness', 'tournament',
    'match', 'pe lessons', 'pe class', 'physical education', 'sports day', 'badminton', 'basketball', 'football',
    'court', 'referee', 'exercise', 'sports',
  ],
  admin_service: [
    '师范生', '公费师范', '继续教育', '教龄', '绩效', '编制考试', '信访', '泄露', '结案', '敷衍', '特岗', '补助',
    '到账', '材料不全', '教体局', '教育局', '热线', '窗口', '工作人员', '办事', '审批', '证明', '证书', '补办',
    '教师资格证', '资格证', '资格认定', '教师招聘', '招聘', '编制', '职称', '评审', '调动', '工资', '拖欠', '回复',
    '平台', '办理', '政务', '代课', '毕业证', '学历', '人事', '面试', '公告', '留言', '没人接', '便民',
    'teaching service', 'leaked', 'compulsory training', 'checklist', 'pending', 'status', 'professional title',
    'hotline', 'bureau', 'certificate', 'diploma', 'recruitment', 'qualification', 'no reply', 'service window',
    'approval', 'staff', 'salary', 'paid', 'interview', 'reply', 'office',
  ],
  other: [
    '下雨', '天气', '找工作', '工作吗', '烧烤', '油烟', '个人所得税', '拆迁', '银行卡', '公共厕所', '宽带', '疫苗',
    '出租房屋', '出售', '社保卡', '中秋快乐', '新年快乐', '晚安', '晚上好', '早上好', '你好', '您好', '在吗', '测试',
    '医保', '公积金', '物业', '城管', '路灯', '垃圾', '电梯', '邻居', '身份证', '护照', '兼职', '加微信', '贷款',
    '网贷', '停水', '停电', '自来水', '医院挂号', '挂号', '养老保险', '回收', '日结', '红包', '机器人', '提示词',
    '指令', '小区', '装修', '菜市场', '井盖',
    'rain', 'weather', 'job', 'barbecue', 'restaurant', 'tax', 'bank', 'iphone', 'good morning', 'good night',
    'main street', 'hello', 'test', 'passport', 'property management', 'neighbour', 'neighbor', 'street light',
    'click', 'earn', 'loan', 'bot', 'prompt', 'instructions', 'dog',
  ],
};

export const KIND_CUES: Readonly<Record<string, readonly string[]>> = {
  praise: [
    '感谢', '谢谢', '表扬', '点赞', '点个赞', '辛苦了', '满意', '好评', '值得肯定', '感动', '给力', '非常好', '很好',
    '好多了', '负责', '耐心', '用心', '及时', '赞',
    'thank', 'thanks', 'praise', 'great', 'well done', 'appreciate', 'grateful', 'excellent', 'fantastic',
    'much better',
  ],
  inquiry: [
    '请问', '想问', '咨询', '问一下', '问下', '怎么办理', '如何', '什么时候', '哪里', '多少', '吗', '能不能',
    '可以吗', '是否', '需要什么', '哪些', '怎么', '有没有', '几点', '在哪',
    'how', 'when', 'where', 'what', 'which', 'is it', 'can i', 'does', 'is there', 'are there', 'do i',
  ],
  suggestion: [
    '建议', '希望', '能否', '可否', '最好', '应该', '呼吁', '盼望', '提议', '能不能', '多举办', '增加', '加装',
    'please', 'suggest', 'should', 'recommend', 'would be', 'it would', 'could you', 'propose', 'install',
  ],
  complaint: [
    '投诉', '举报', '太差', '不合理', '凭什么', '坑', '没人管', '不管', '太', '还不', '一直', '根本', '离谱', '气愤',
    '什么',
    'complain', 'terrible', 'unfair', 'refuse', 'nobody', 'still', 'never', 'every day', 'always',
  ],
};

export interface CompiledCues {
  readonly labels: readonly string[];
  /** Number of cue hits per label, in `labels` order. */
  count(normalized: string): number[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** English cues match at word boundaries with a common inflection; Chinese cues are plain substrings. */
export function compileCues(cues: Readonly<Record<string, readonly string[]>>, labels: readonly string[]): CompiledCues {
  const perLabel = labels.map((label) => {
    const list = cues[label] ?? [];
    const han = list.filter((cue) => /\p{Script=Han}/u.test(cue));
    const latin = list.filter((cue) => !/\p{Script=Han}/u.test(cue));
    const latinPattern =
      latin.length > 0
        ? new RegExp(`\\b(?:${latin.map(escapeRegExp).join('|')})(?:s|es|ed|d|ing)?\\b`, 'g')
        : null;
    return { han, latinPattern };
  });
  return {
    labels,
    count(normalized) {
      const hasHan = /\p{Script=Han}/u.test(normalized);
      const hasLatin = /[a-z]/i.test(normalized);
      return perLabel.map(({ han, latinPattern }) => {
        let hits = 0;
        if (hasHan) for (const cue of han) if (normalized.includes(cue)) hits++;
        if (latinPattern && hasLatin) hits += normalized.match(latinPattern)?.length ?? 0;
        return hits;
      });
    },
  };
}
