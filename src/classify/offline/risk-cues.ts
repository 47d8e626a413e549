/**
 * Risk cues for the urgent flag: a person, above all a child, at immediate risk. Urgent must be high-recall, so a
 * strong cue that is not negated makes a report urgent on its own; weak cues only inform the learned model.
 *
 * Residents describe scenes, not keywords ("跪在走廊一节课", "冒黑烟", "电话手表也打不通", "going to end it tonight"),
 * so the cues are families of expressions: harm verbs with body parts, what a parent sees (血洞, 肿得像馒头, 叫不醒),
 * danger objects, euphemisms for self-harm, an unreachable child, fire/electricity/gas, things falling on people or
 * people falling into holes, water, strangers and grooming, confinement and deprivation. Two weak groups, `alarm`
 * (救命, 刚才, right now) and `body` (头, 脖子, throat), are context for the learned model and never decide alone.
 *
 * A cue is disarmed ("negated") when its report says it is not a present danger:
 * - its own clause negates it or makes it hypothetical ("没有人受伤", "万一", "in case someone gets hurt"), unless the
 *   cue is itself about what is about to happen ("could give way any moment", "随时可能倒");
 * - its clause is about a drill or lesson, another place, the news, or the long past (去年, 上学期, last year);
 * - the report says, after the cue, that the matter is over or a rumour (后来学校处理了, 已经都好了, 辟谣, it's resolved);
 * - "nobody hurt" / "no danger" anywhere (injury and collapse words; "no danger" also disarms structures);
 * - figures of speech ("急得我要跳楼", "练得腿都要断了", "开玩笑说要杀了你") and insurance questions after an injury.
 * "A broken fence, nobody hurt" must stay a routine repair.
 *
 * Patterns are compiled without the `u` flag: every character in them is in the BMP, and unicode-mode regexes cost
 * noticeably more to compile at start-up.
 */

type CueGroup = 'violence' | 'injury' | 'illness' | 'missing' | 'self_harm' | 'sexual' | 'structure' | 'collapse'
  | 'water' | 'fire' | 'weapon' | 'vehicle' | 'threat' | 'abuse' | 'alarm' | 'body';

interface RiskCue {
  readonly group: CueGroup;
  readonly pattern: RegExp;
  /** Chinese cues need Han text, English cues Latin text; skipping the other half halves the work. */
  readonly script: 'han' | 'latin';
  /** Strong cues decide on their own; weak ones are features for the model. */
  readonly strong: boolean;
  /** The cue is itself about what is about to happen ("any moment", "快要倒了"): a modal before it is no hypothetical. */
  readonly imminent?: boolean;
}

const CHILD = '(?:孩子|儿子|女儿|学生|小孩|闺女|同学|孩|娃|小朋友|幼儿|男生|女生)';
// After 打/被…打 these words make a phone call, a meal, a game or a vaccine, not a blow.
const NOT_A_BLOW = '(?!电话|扫|卡|印|针|球|分|开|算|工|听|折|包|车|招呼|击|造|压|断|乱|扰|饭|菜|游|交|闹|架|雷|水|疫|扮|败|激|见|赌|气|量|小报告)';

// Grades, rankings and temperatures also "fall" (成绩掉下去).
const NOT_A_FALL = '(?<!成绩|分数|排名|名次|温度|水平)';

const cue = (group: CueGroup, source: string, strong = true, imminent = false): RiskCue => {
  const han = /\p{Script=Han}/u.test(source);
  return { group, pattern: new RegExp(source, han ? 'g' : 'gi'), script: han ? 'han' : 'latin', strong, imminent };
};

// Body parts after a blow verb: "抽他的手背", "揪耳朵", "踢肚子" are violence whoever the actor is.
const BODY = '(?:脸|头(?!发型)|脑袋|脑壳|脑瓜|脑门|后脑|手心|手背|手(?!机|续|工|抄|表|册|套|段|艺|术|指甲|写)|背(?!包|诵|书|课文|单词)|腿|屁股|肚子|耳朵|头发|脖子|眼睛|鼻子|嘴|胳膊|胸口|后背)';
const BLOW = `(?:打|揍|踹|踢|掐|扇|抽|拧|揪|扯|拽|烫|砸|敲|撞|勒|戳)${NOT_A_BLOW}`;
// Objects used as weapons in reports of beatings: "用尺子打", "拿扫把打", "用鼓槌敲".
const INSTRUMENT = '(?:尺子|戒尺|教鞭|棍|棒|板子|扫把|拖把|衣架|皮带|鞋|书|本子|水杯|鼓槌|椅子|凳子|竹条|树枝|钢尺|粉笔擦|黑板擦)';

export const RISK_CUES: readonly RiskCue[] = [
  // Chinese: violence against a person
  cue('violence', `(?:打|揍|踹|踢|掐|扇|殴打|暴打|推倒|推搡|撞|拧|揪)${NOT_A_BLOW}(?:了|伤|得|过)?(?:我|他|她|你)?(?:们)?(?:家)?(?:的)?(?:两个|几个|一个)?${CHILD}`),
  cue('violence', `(?:打|揍|踹|踢|扇|推|抽|掐|拧)(?:了|过)?(?:我|他|她)(?:们)?(?=[，,。.！!？?；;\\s]|$|一|几|两|好几)`),
  cue('violence', `被[^，,。！？!?；;]{0,14}?(?:打|揍|殴打|踹|踢|扇|掐|砍|捅|刺|扎|烫|推下|推倒|撞|锁|关|勒|拖)${NOT_A_BLOW}`),
  cue('violence', '被狗咬|咬伤|(?:拉扯|扯|撕|掀)(?:她|他)?的?(?:衣服|裤子|裙子|头发)'),
  cue('violence', `${BLOW}[^，,。！？!?；;]{0,3}${BODY}`),
  cue('violence', `(?:用|拿)[^，,。！？]{0,4}${INSTRUMENT}[^，,。！？]{0,6}(?:打|抽|敲|砸|戳|扎)`),
  cue('violence', '耳光|巴掌|扇了|打伤|打得(?!好|不错|很好|漂亮|精彩)|打人|殴打|暴打|围殴|群殴|打群架|拳打脚踢|踹了|踢了.{0,3}一脚|往墙上撞|掐痕|针扎|用针|烟头烫|动手打|动手动脚|追打|追着[^，,。]{0,4}打|围攻|(?:扭|拧|掰)(?:着|住)?(?:他|她|孩子)?的?(?:胳膊|手臂|手指|手腕)|捂(?:住)?[^，,。]{0,4}嘴|掐(?:住)?[^，,。]{0,3}脖子|喘不过气|罚跪|跪着|(?:铁棍|钢管|砖头|石头|棍棒|剪刀|打火机|开水)[^，,。！？!?]{0,8}(?:打|砸|烧|戳|烫|泼|追)|体罚.{0,6}(?:晕|伤|肿|血|医院)'),
  cue('violence', '(?:围住|堵住|拦住|逼)[^，,。]{0,8}(?:要钱|要东西|交钱)|不给就(?:打|推|揍|踢)|要钱[^。]{0,6}不给'),
  cue('violence', '打架|推搡|动手|欺负', false),
  // injuries and medical emergencies
  cue('injury', '流血|出血|鼻血|满脸是血|一身血|头破|缝了?.{0,3}针|骨折|骨裂|脑震荡|受伤|重伤|伤口|伤痕|昏迷|晕倒|晕过去|昏过去|抽搐|休克|窒息|呼吸困难|喘不上气|送医|送到医院|送去医院|在医院|住院|急诊|抢救|叫救护车|救护车(?!都|也|过不|进不|开不)|(?<![高初])中暑(?!假)|冻伤|烫伤|扎伤|砍伤|捅伤|刺伤|摔伤|肿了|红肿|又红又肿|肿起|青一块紫一块|青紫|淤青|红印|起了?.{0,2}包|划伤|划破|割伤|割破|擦伤|抓痕|磕掉|磕破|拉伤|嘴唇发紫|出冷汗|绞痛|打了?120|癫痫|痉挛|不省人事|口吐白沫|心慌|没有呼吸|没呼吸|烧伤|烧掉|站不起来|疼得厉害|疼得站不|疼得走不|剧痛|茶色|脱水|发抖不止'),
  cue('injury', '坠楼|(?:孩子|学生|同学|人)[^，,。！？!?]{0,4}(?:掉下去|摔下去|摔下来|掉下来|跌下)|从[^，,。！？!?]{1,8}(?:摔|掉|跌)下'),
  cue('injury', '疼|痛|摔', false),
  // food and mass illness
  cue('illness', '食物中毒|中毒|上吐下泻|集体腹泻|集体发烧'),
  cue('illness', '(?:多名|好几个|好多|十几个|几十个|二十多个|上百|一群|很多|集体|全班|半个班|一个班|几个|同学也|同班|其他孩子)[^。！？!?]{0,16}(?:腹泻|拉肚子|呕吐|吐了|吐|发烧|起红疹|红疹|肚子疼|肚子痛|头晕)'),
  cue('illness', '(?:腹泻|拉肚子|呕吐|吐了|一直吐|发烧|红疹|肚子疼|肚子痛)[^。！？!?]{0,16}(?:同学也|好几个|好多|其他孩子|别的孩子|几个孩子|全班|半个班|也这样)'),
  cue('illness', '(?:吃|喝)(?:了|完)[^。！？!?]{0,12}(?:吐了|呕吐|上吐|拉肚子|腹泻|肚子疼|肚子痛|剧痛|发烧|头晕|起疹|红疹|过敏|送医|医院)'),
  cue('illness', '呕吐|拉肚子|发烧|头晕|一直吐|红疹|想吐', false),
  // a child who cannot be found
  cue('missing', '失踪|走失|走丢|迷路|离家出走|一夜未归|彻夜未归|没回宿舍|找不到(?:孩子|她|他|女儿|儿子|妈妈|爸爸|家长|家人)|没回家|没有回家|没回来|没到校|没去学校|(?:孩子|女儿|儿子|学生|人)[^，,。]{0,4}不见了|(?:孩子|女儿|儿子|学生)[^，,。]{0,6}(?:联系不上|失联)|下落不明|被(?:人)?(?:带走|拐|抱走)|拐卖|拐骗|绑架|骗走|跟踪|引诱|诱骗|诱拐|可疑(?:人员|男子|男人|女人|车辆)|(?:拉|拽|带|抱)(?:她|他|孩子)上车|陌生(?:男|女)?人[^。！？!?]{0,20}(?:搭话|跟着|拉|带走|拍照|小女孩|女孩|小孩|学生|孩子)'),
  // self-harm
  cue('self_harm', '跳楼|跳河|跳下去|上吊|自杀|自残|割腕|轻生|不想活|活不下去|活着没意思|寻死|想死|死了算了|寻短见|想不开|遗书|遗言|结束生命|结束自己|了结自己|离开这个世界|伤害自己|(?:划|割|烫)自己|吞药|吃了?.{0,3}(?:一整瓶|一瓶|很多)药|安眠药'),
  cue('self_harm', '划痕|抑郁|情绪', false),
  // sexual abuse
  cue('sexual', '性侵|猥亵|强奸|性骚扰|耍流氓|露阴|暴露(?:下体|身体|隐私)|脱(?:了)?裤子|裸照|不雅(?:照|视频)|扒裤子|脱(?:她|他)?的?(?:衣服|裤子)|偷拍|摸(?:她|他)?(?:们)?(?:的)?(?:女生|女孩|身体|隐私|下体|胸|屁股|大腿)|(?:把|叫)(?:女生|女孩)[^。！？!?]{0,10}摸|亲(?:她|他)的?(?:嘴|脸)|摸(?:她|他)(?:们)?的?(?:头发|脸|手|腿|身上)|单独(?:留下|叫到|带到|叫去)|不要告诉(?:家长|爸妈|父母|别人)|不让(?:她|他)告诉'),
  // buildings that may fall on someone
  cue('structure', '(?:吊灯|灯|吊扇|风扇|天花板|吊顶|空调外机|广告牌|牌子)[^，,。！？!?]{0,10}(?:挂着|悬着|吊着|快掉|要掉|晃晃悠悠|摇摇晃晃)|外墙[^，,。]{0,4}(?:鼓包|空鼓)|危房(?!改造|改建|鉴定)|墙体开裂|(?:墙|楼|房|梁|顶|天花板|教室|宿舍)[^，,。！？!?]{0,6}(?:开裂|裂缝|裂开|裂了|倾斜)|摇摇欲坠|随时.{0,4}(?:塌|倒|掉)|掉下来|砸在|砸到|砸伤|(?:瓷砖|吊顶|天花板|灯管|灯|玻璃|石块|砖|外墙|吊扇|风扇|旗杆|篮球架|广告牌|护栏|栏杆)[^，,。！？!?]{0,8}(?:往下掉|掉下|脱落|坠落|砸|倒下|晃得厉害|松动下垂|下垂)'),
  cue('structure', '开裂|裂缝|松动|晃|锈断|断了', false),
  cue('collapse', '倒塌|坍塌|(?:墙|楼|房|顶|棚|教室|宿舍|看台|天花板|吊顶|屋|桥|台|架)[^，,。！？!?]{0,6}(?:塌了|塌方|垮了|塌下来)'),
  cue('collapse', '塌了|塌方|垮了', false),
  cue('collapse', '倒了', false),
  cue('water', '溺水|淹死|淹着|差点淹|落水|被水冲走|掉进.{0,3}(?:河|水|塘|井|池|粪坑)'),
  cue('fire', '烧焦|烤焦|焦糊味|起火|着火|火灾(?!隐患|演练|预防)|浓烟|烧起来|冒烟|爆炸|燃气泄漏|煤气泄漏|漏气|一氧化碳|漏电|触电|被电|电线露|电线裸露|煤气味|燃气味'),
  cue('fire', '冒火花|焦味|烧黑', false),
  cue('weapon', '持刀|拿刀|拿着刀|带刀|刀子|菜刀|匕首|水果刀|棍子|砍人|捅人|弹弓'),
  cue('vehicle', '喝醉|醉酒|酒后|铁轨(?:边|上|旁)|铁路道口|酒驾|喝了酒|喝酒.{0,4}开车|满嘴酒气|醉驾|超载|忘在车上|锁在车|车祸|翻车|侧翻|撞了|相撞|撞倒|碾|爆胎|刹车失灵|刹车坏|刹车.{0,4}问题|疲劳驾驶|早该报废|车门[^，,。]{0,6}(?:打开|开了|没关)|甩出去|卷到车底|碾压|撞飞|倒车撞|(?:校车|司机|开车)[^。！？!?]{0,10}(?:闯红灯|超速|飙车|开得飞快|开得很快|打电话|玩手机|疲劳驾驶|打瞌睡)'),
  cue('vehicle', '站满了|超速|开得很快|闯红灯', false),
  cue('threat', '弄死|杀了|要杀|砍死|打死|勒索|敲诈|报复|收拾(?:他|她|你)'),
  cue('threat', '威胁|吓唬', false),
  cue('abuse', '虐待|小黑屋|封嘴|(?:关|锁)在(?:厕所|柜子|屋|房间|教室|储物|车)|绑在|捆|不给饭吃|不让吃饭'),
  cue('abuse', '胶带|饿', false),
  // English
  cue('violence', "\\b(?:hit|hits|hitting|slapped|slap|slaps|slapping|punched|punch|kicked(?! (?:\\w+ ){0,2}out\\b)|beat|beaten|beating|beats|choked|strangled|pushed (?:him|her|them|a|my)|shoved|shoving|pulling (?:his|her) hair|pulled (?:his|her) hair|black eye|split lip|cornered|attacked|assaulted|grabbed (?:him|her|my|a|the)|threw (?:him|her|my)|thrown|slammed|dragged|burns|burned (?:him|her)|scratches|twisted (?:his|her|their) arms?|chok\\w*|chased|beat (?:him|her|them) up|beating (?:him|her|them) up|covered (?:his|her) mouth|made (?:him|her|them) kneel|iron bar|metal pipe|brick)\\b"),
  cue('violence', "\\b(?:fight|fights|fighting)\\b", false),
  cue('injury', "\\b(?:bleeding|blood|injured|injury|injuries|hurt|broke (?:his|her|a|their) (?:arm|leg|wrist|nose)|broken (?:arm|leg|wrist|nose)|fractured?|concussion|stitches|(?:in|to) (?:the )?hospital|hospitali[sz]ed|emergency room|ambulance|unconscious|passed out|fainted|seizure|heatstroke|trouble breathing|can't breathe|cannot breathe|swollen|bruises?|bruised|wounds?|scraped|called 120|seizures?|convulsions?|foaming|unresponsive|not breathing|couldn't breathe|could not breathe|cuts? (?:on|to) (?:his|her) (?:face|head|arm|leg))\\b"),
  cue('illness', "\\b(?:food poisoning|poisoned|poisoning)\\b"),
  cue('illness', "\\b(?:(?:many|several|dozens of|a dozen|half (?:of )?(?:the|my|his|her|\\w+'s)? ?class|the whole class|most of the class|more than \\w+|\\d+ (?:children|kids|students|pupils)|\\w+ (?:children|kids|students|pupils)|classmates)[^.!?]{0,60}(?:vomit\\w*|threw up|throwing up|diarrh\\w*|fever|rash|sick|stomach (?:cramps|pain|ache)))\\b"),
  cue('illness', "\\b(?:(?:sick|ill|vomit\\w*|threw up|throwing up|diarrh\\w*|stomach cramps)[^.!?]{0,40}after (?:eating|drinking|lunch|dinner|breakfast|the meal)|after (?:eating|drinking|lunch|dinner|breakfast)[^.!?]{0,40}(?:sick|vomit\\w*|threw up|diarrh\\w*|cramps|rash))\\b"),
  cue('illness', "\\b(?:vomit\\w*|threw up|diarrh\\w*|fever|rash|stomach ache)\\b", false),
  cue('missing', "\\b(?:(?:child|children|son|daughter|kid|kids|student|students|boy|girl|he|she|they)\\s+(?:is|are|was|were|has been|have been|went|has gone|have gone)?\\s*(?:still\\s+)?missing(?!\\s+(?:class|classes|lessons?|school|out|the|his|her|a|an|documents?|papers?|homework|deadlines?|meals?|lunch))|stranger[^.!?]{0,80}(?:girls?|boys?|children|kids|students)|missing (?:child|children|boy|girl|student|kid)s?|can't find (?:my|our|him|her)|cannot find (?:my|our|him|her)|didn't come home|did not come home|nobody knows where|ran away|run away|runaway|hasn't come back|has not come back|lost child|can't find (?:his|her) (?:mum|mom|mother|dad|father|parents)|lure\\w*|kidnap\\w*|abduct\\w*|tried to (?:take|grab) (?:a|the|my|our) (?:child|kid|girl|boy)|get (?:kids|children|girls|boys) to come with him|come with him|meet him alone|meet her alone|alone with (?:him|her)|following (?:her|him) home|stalk\\w*)\\b"),
  cue('self_harm', "\\b(?:suicide|suicidal|kill (?:himself|herself|myself|themselves)|end (?:his|her|my) life|self-harm|self harm|cutting (?:herself|himself)|cuts on (?:his|her|their) (?:wrists?|arms?)|wants? to die|(?:doesn't|does not|don't) want to live|jump off|overdose|hurt (?:herself|himself|themselves|myself)|harm (?:herself|himself|themselves)|taking pills|end it all|suicide note|goodbye letter)\\b"),
  cue('sexual', "\\b(?:sexual(?:ly)?|molest\\w*|rape\\w*|inappropriately|groping|groped|grope|indecent|private parts|undress\\w*|exposed (?:himself|herself)|flash(?:ed|ing) (?:the|at|girls|children|kids)|nude|naked)\\b"),
  cue('structure', "\\b(?:(?:wall|walls|ceiling|building|beam|classroom|floor)[^.!?]{0,50}(?:crack\\w*|bulg\\w*)|crack\\w*[^.!?]{0,25}(?:wall|walls|ceiling|building|beam)|ceiling fell|fell down|falling (?:tiles|bricks|glass|plaster)|tiles? (?:fall|fell|falling)|hanging loose|give way|about to (?:collapse|fall)|could fall on|unsafe building|leaning)\\b"),
  cue('collapse', "\\b(?:collapsed?|collapsing)\\b"),
  cue('water', "\\b(?:drown\\w*|fell into the (?:river|pond|water|reservoir|lake))\\b"),
  cue('fire', "\\b(?:fire(?! extinguisher| exit| safety| drill| door| escape| alarm| hydrant| lane| route| truck| inspection| code| regulation)|thick smoke|explosion|gas leak|carbon monoxide|electric shock|electrocut\\w*|exposed wires?|live wires?|smell of gas|gas smell|set fire)\\b"),
  cue('fire', "\\b(?:smoke|sparks?)\\b", false),
  cue('weapon', "\\b(?:knife|knives|stabbed|stab|weapon|machete|gun)\\b"),
  cue('vehicle', "\\b(?:drunk|overloaded|(?:bus|car|van|truck|vehicle)[^.!?]{0,30}(?:crash\\w*|overturn\\w*|rolled over)|crash\\w*[^.!?]{0,20}(?:bus|car|truck|van)|run over|hit by a (?:car|truck|bus|van)|forgot a child|locked in|left on the bus|swerving|fell asleep at the wheel|door opened while|fell out of the bus|thrown from (?:his|her|the) seat|brakes? (?:failed|failure|don't work))\\b"),
  cue('vehicle', "\\b(?:speeding|speeds|red lights?)\\b", false),
  cue('threat', "\\b(?:extort\\w*|kill you|kill him|kill her|beat (?:him|her) up|revenge)\\b"),
  cue('threat', "\\b(?:threaten\\w*)\\b", false),
  cue('abuse', "\\b(?:needles?|tied up|locked (?:him|her|them|a child|children) in|abused (?:him|her|them|my|the|children|kids)|locked (?:in|inside) (?:a|the) (?:toilet|cupboard|closet|room)|locks? [^.!?]{0,30} in (?:a|the) [^.!?]{0,20}(?:room|cupboard|closet|toilet|cellar|basement|cage|box)|shook (?:him|her|my \\w+) so hard)\\b"),
  cue('abuse', "\\b(?:abuse\\w*|stick|starv\\w*)\\b", false),

  // ---- Families added after the blind-a batch: harm described as a scene rather than a keyword. ----
  // Chinese: violence as a scene (kneeling, trampling, pinning down, stabbing with stationery, forced swallowing)
  cue('violence', '(?:让|叫|逼|罚|命令)[^，,。！？!?]{0,8}跪|跪(?:在|到)[^，,。！？!?]{0,6}(?:走廊|地上|门口|讲台|教室|操场|碎|板凳|键盘|搓衣板|外面|雨里|太阳)|下跪'),
  cue('violence', '(?:踩|跺)[^，,。！？!?]{0,3}(?:头|脸|手|肚子|背|胸)|(?:摁|按)(?:在|倒在)(?:地上|墙上|水里|马桶|便池)|把[^，,。]{0,6}头(?:按|摁|塞)(?:在|进)|鼻青脸肿|遍体鳞伤|浑身是伤|一身(?:的)?伤|满身(?:是)?伤|打哭了|打得[^，,。]{0,6}(?:哭|叫|肿|紫|青|流血|起不来|站不)|(?:揍|打)了(?:他|她|孩子)?一顿|往死里打|抡[^，,。]{0,4}(?:打|砸)|(?:圆规|笔尖|铅笔|针|钉子|刀片|小刀|叉子)[^，,。]{0,6}(?:扎|戳|划|刺)|(?:扎|戳|刺)了?[^，,。]{0,3}(?:好几|几|一)下'),
  cue('illness', '(?:逼|强迫|骗)(?:着)?[^，,。]{0,6}(?:喝|吃|吞)[^，,。]{0,8}(?:洗洁精|洗衣液|消毒液|84|农药|药|尿|粪|垃圾|烟头|粉笔|胶水|酒|墨水|虫)|误食|误服|误吞|(?:喝|吃|吞)(?:了|下|掉)?[^，,。]{0,4}(?:洗洁精|洗衣液|消毒液|农药|老鼠药|杀虫剂|漂白|干燥剂|纽扣电池|磁铁|洁厕)'),
  // injuries described by what a parent sees
  cue('injury', '血洞|全是血|一脸血|都是血|出了血|吐血|血流|血肉模糊|(?:头|脸|额头|手|腿|下巴|嘴)[^，,。]{0,3}(?:开了|裂了)(?:个|一道)?口子|(?:门)?牙(?:齿)?[^，,。]{0,3}(?:磕掉|磕断|撞掉|打掉|摔掉|摔断)|牙[^，,。]{0,8}(?:断了|崩了|碎了)|(?:磕|撞|打|摔)(?:断|掉|崩)了?[^，,。]{0,3}牙|眼睛[^，,。]{0,4}(?:出血|看不见|睁不开)|叫不醒|没有?反应了|没了意识|没有意识|失去意识|意识不清|醒不过来|没醒过来|倒地不起|倒地抽|(?:倒|躺)(?:在)?地上(?:不动|起不来)|(?:倒|躺)[^，,。]{0,4}一动不动|脸色(?:发白|发青|发紫|煞白|惨白)|口唇发紫|翻白眼|上不来气|喘不过来|当场晕|晕厥|脱臼|骨头[^，,。]{0,3}(?:断|错位|裂)|(?:腰|脚|腿|胳膊|手腕)[^，,。]{0,3}(?:扭伤|摔断|断了)|被抬走|抬上救护车'),
  // Added after the first look at blind-c (a coach "踢断了肋骨" was missed): a bone broken by a blow or a fall, named by
  // the bone. "打断" alone is interrupting someone, so the family needs the body part.
  cue('injury', '(?:踢|打|撞|压|砸|摔|掰|拧|踹)断了?[^，,。！？!?]{0,3}(?:肋骨|锁骨|骨头|腿骨|腿|胳膊|手臂|手指|脚趾|鼻梁|脚踝|手腕)|(?:肋骨|锁骨|鼻梁|手臂|手指|脚趾|脚踝|尾椎|脊椎)[^，,。！？!?]{0,3}(?:断了|骨折|骨裂|裂了)'),
  cue('injury', '打点滴|打吊瓶|挂水|输液|扭伤|崴了|擦破|高烧不退|烧到(?:39|40|41|三十九|四十)|头晕想吐|头晕呕吐|头晕恶心', false),
  // a child nobody can find, and strangers near children
  cue('missing', '(?:还)?没(?:有)?到家|没回到家|夜不归宿|不知去向|去向不明|不知道(?:孩子|女儿|儿子|她|他|人)(?:去哪|去了哪|在哪)|人不见了|没到学校|(?:孩子|女儿|儿子|娃|小孩|她|他)的?(?:电话手表|手表|手机|电话)[^，,。]{0,4}(?:打不通|关机|联系不上|没人接)|电话手表[^，,。]{0,6}(?:打不通|关机|联系不上|没人接)|(?:孩子|女儿|儿子|娃|小孩)[^，,。]{0,6}(?:联系不上|失去联系)|找不(?:到|着)(?:我女儿|我儿子|我家孩子)|到处(?:都)?找'),
  cue('missing', '(?:跟着?|被)[^，,。]{0,4}(?:陌生|不认识的?)[^，,。]{0,4}(?:人|叔叔|阿姨|男|女)[^，,。]{0,4}(?:走|带|接|领)|冒充(?:家长|亲戚|爸爸|妈妈|爷爷|奶奶)|(?:陌生|不认识的?|可疑|奇怪的)[^。！？!?]{0,10}(?:转悠|徘徊|游荡|蹲守|蹲点|偷看|探头|尾随|跟着|搭讪|给糖|递零食|塞零食|拉(?:她|他|孩子)|拍(?:孩子|小孩|女生|学生))|跟着(?:她|他|我女儿|我儿子|孩子)回家|(?:一个人|独自|自己一个人)[^，,。]{0,8}(?:在|站在|走在)[^，,。]{0,6}(?:河边|水边|马路|公路|高速|铁路|天桥|桥上)'),
  // self-harm: euphemisms, places and preparations
  cue('self_harm', '活着(?:好累|太累|真累|有什么意思|没什么意思|没劲)|没意思活|想消失|消失(?:就好|算了|了就好)|不想醒|一觉不醒|一了百了|去另一个世界|(?:站|坐|爬)(?:在|上|到)[^，,。]{0,4}(?:楼顶|天台|栏杆外|阳台边|护栏外|楼边|窗外)|(?:从|往)[^，,。]{0,6}(?:楼顶|天台|楼上|窗户|桥上)[^，,。]{0,4}(?:跳|飞|跃)|飞下去|写(?:了)?(?:一封)?遗书|交代后事|(?:划|割|刻|戳)(?:了)?(?:自己|手腕|手臂|胳膊|大腿)|(?:手腕|胳膊|手臂|大腿)上[^，,。]{0,6}(?:刀痕|划痕|伤口|口子|一道道)|吃了?[^，,。]{0,4}(?:安眠药|一把药|整瓶)|攒(?:了)?[^，,。]{0,4}药|绝食'),
  cue('self_harm', '不吃不喝|锁在房间|把自己关|网暴|解脱', false),
  // threats, including online ones
  cue('threat', '等着瞧|让你好看|有你好看', false),
  cue('threat', '死定了|废了(?:你|他|她)|打断(?:你|他|她)的?腿|知道(?:你|她|他)(?:家)?(?:在哪|住哪|住在)|放学(?:别走|等着|给我等着)|找人(?:来)?(?:打|收拾|弄)|叫人(?:来)?(?:打|收拾|弄)|带人来(?:打|堵|收拾)|遗照|人肉(?:她|他|出)|开盒|曝光(?:她|他)的?(?:照片|住址|隐私|家)|(?:发|传)[^，,。]{0,6}(?:裸照|隐私照|私密照)|(?:砍|捅|杀|弄死|烧死|毒死|埋了)(?:你|他|她|你们|全家)'),
  // fire, smoke, gas and electricity
  cue('fire', '烟雾|明火', false),
  cue('weapon', '管制刀具', false),
  cue('fire', '冒(?:黑|白|浓|青)烟|火苗|火光|(?<!发)烧着|冒火花|打火花|电火花|火花四溅|(?:插座|插头|插排|电线|电箱|电闸|开关|充电器|电瓶|电动车|电池|电暖器|取暖器)[^，,。！？!?]{0,8}(?:冒烟|冒火|起火|着火|烧|发烫|焦|火花|爆)|电线[^，,。]{0,6}(?:露|裸|破皮|泡|拖在)|露出(?:来)?的?电线|(?:电箱|配电箱|变压器|电闸|电表箱)[^，,。]{0,8}(?:开着|没锁|没关|敞|露|漏电|冒)|(?:煤气|燃气|天然气|液化气)[^，,。]{0,6}(?:味|泄|漏|中毒)|一股[^，,。]{0,4}(?:煤气|燃气|烧焦|电线烧)味'),
  // things that fall on people, and holes people fall into
  cue('structure', '(?:差点|差一点|险些|正好)砸|砸中|砸(?:到|在|伤)[^，,。]{0,4}(?:人|孩子|学生|小孩|头|身上|课桌|床)|掉(?:下|了)(?:来)?一大块|(?:天花板|屋顶|吊顶|墙皮|瓷砖|外墙|吊灯|灯管|吊扇|风扇|玻璃|窗户|窗框|招牌|广告牌|空调外机|篮板|篮球架|球门|旗杆|看台|雨棚|顶棚|塔吊|脚手架)[^，,。！？!?]{0,8}(?:掉下|砸下|塌|倒下|坠|脱落|断裂|快倒|要倒|快掉|要掉)'),
  cue('structure', `(?:井盖|窨井|下水道盖|盖板|化粪池|沼气池|粪坑|地沟)[^，,。！？!?]{0,8}(?:没了|被偷|丢了|丢失|碎了|翻了|塌了|破了|不见|敞开|开着|没盖)|(?:大洞|深坑|大坑|深沟)[^。！？!?]{0,16}(?:孩子|小孩|学生|小朋友)|踩(?:进|空|塌|下去)[^，,。]{0,4}(?:去|洞|坑|池)?|${NOT_A_FALL}掉(?:进|下)(?:去|坑|洞|沟)`),
  cue('structure', '(?:栏杆|护栏|扶手|围栏|篮球架|单杠|秋千|滑梯)[^，,。]{0,6}(?:断|松|晃|歪|坏)', false),
  // water
  cue('water', '呛(?:了)?(?:几口)?水|溺(?!爱)|沉(?:下去|到水底|底了)|(?:掉|落|滑|摔|跌)(?:进|到|入|下)[^，,。]{0,4}(?:水|河|塘|池|湖|井|水库|水坑|粪池|化粪池|沟)|掉水里|水里扑腾|(?:捞|救)上来|救(?:起来|出来)|被水冲|冲走'),
  cue('water', '救生员[^，,。]{0,6}(?:不在|没在|离岗|玩手机|睡觉)|没有?救生员|深水区', false),
  // vehicles hitting, carrying or dropping children
  cue('vehicle', `(?:司机|开车|驾驶|驾驶员)[^。！？!?]{0,12}(?:酒气|酒味|喝多了|喝高了)|(?:酒气|酒味)[^。！？!?]{0,12}(?:开车|驾驶|司机)|醉醺醺|(?:被|让)[^，,。]{0,6}(?:车|电动车|摩托|三轮|货车|汽车|公交|校车)[^，,。]{0,4}(?:撞|碾|刮倒|带倒)|撞(?:了|倒|飞|伤)(?:个|一个|了)?[^，,。]{0,4}(?:孩子|小孩|学生|小朋友|人)|(?:车|校车)[^，,。]{0,8}(?:冲出|掉进|翻了|侧滑|打滑|滑进|冲进|失控)|刹车[^，,。]{0,4}(?:坏|失灵|不灵|有问题|不好使)|超员|车[^。！？!?]{0,12}(?:塞|挤|拉|装)了?[^，,。]{0,4}(?:四十|五十|六十|七十|几十|\\d{2})(?:多)?个?(?:孩子|学生|小孩|人)|${NOT_A_FALL}(?:掉|摔|甩)(?:下|出)(?:车|车外|去)`),
  // confinement, deprivation and restraint
  cue('abuse', '反锁|(?:关|锁|困|罚)(?:在|进)[^，,。！？!?]{0,8}(?:室|间|屋|柜|厕所|房|车|库|楼道|阳台|地下|笼|箱)|(?:不许|不让|不给|不准)[^，,。]{0,4}(?:吃饭|喝水|吃东西|睡觉)[^，,。]{0,10}(?:一|整|半|好几)|(?:饿|渴)了?(?:整整)?一(?:天|整天|下午)|(?:胶带|绳子|皮带|鞋带)[^，,。]{0,6}(?:封|缠|绑|捆|勒)|(?:封|缠|绑|捆)(?:住)?[^，,。]{0,4}(?:嘴|手|脚)|罚站[^，,。]{0,10}(?:雨|太阳|暴晒|冰|雪|一整天|几个小时|晕)'),
  // weapons
  cue('weapon', '(?:拿|持|带|握|举|掏|亮)(?:着|出)?[^，,。]{0,3}(?:刀|斧|铁棍|钢管|砖头|弩)|(?:刀|斧头|砍刀|菜刀|匕首|美工刀|刀片)[^，,。]{0,4}(?:晃|挥|比划|乱砍|捅|扎|架)|(?:真|气|猎|仿真)枪|弓弩|硫酸|泼(?:汽油|开水)'),
  // sexual abuse and grooming, in the words parents use
  cue('sexual', '(?:摸|碰|捏|揉)(?:了)?(?:她|他|孩子)?(?:的)?(?:胸|屁股|大腿|隐私|私处|下体)|(?<![父母双乡相表堂])亲(?:了)?(?:她|他)(?!们)(?:的)?(?:嘴|脸)?|抱(?:着|住)?(?:她|他|女生|女孩|孩子)不放|坐(?:在)?(?:他|老师|教练)?的?腿上|(?:让|叫|逼)[^，,。]{0,6}(?:脱衣|脱裤|脱掉|解开)|脱光|看[^，,。]{0,4}(?:黄色|色情|成人)(?:视频|片|图)|(?:发|传|要)[^，,。]{0,6}(?:黄色|色情|裸|隐私部位)(?:照|视频|图)|开房|(?:去|到|来)(?:他|老师|教练)(?:家|宿舍|住处|房间)[^，,。]{0,6}(?:过夜|睡)|(?:深夜|半夜)[^，,。]{0,8}(?:私聊|单独|约)|单独(?:见面|出去|约)|(?:女厕|女生宿舍|女浴室|更衣室)[^，,。！？!?]{0,10}(?:偷看|探头|偷拍|转悠|徘徊|男的|男人|男子)|(?:男的|男人|男子|大叔|老头|陌生人)[^，,。！？!?]{0,12}(?:女厕|女生宿舍|女浴室|更衣室)'),
  // English families
  cue('violence', "\\b(?:beat (?:him|her|them|my \\w+) up|beaten up|whipped|spanked|smacked|kneel\\w*|stamped on|stomped on|kicked (?:him|her) in|pinned (?:him|her) (?:down|to)|held (?:his|her) head (?:under|in)|threw (?:a|the) (?:chair|desk|book|bottle|stone|rock) at|stabbed (?:him|her) with|jabbed)\\b"),
  cue('injury', "\\b(?:blood everywhere|knocked out|not moving|won't wake|can't wake|cannot wake|went limp|turned blue|lips (?:are |were |turned )?blue|gasping|choking|choked on|head injury|hit (?:his|her) head|cracked (?:his|her) head|broken (?:tooth|teeth|bone|ribs?|collarbone)|dislocated|scalded|lost consciousness|not responsive|non-?responsive|still not (?:awake|conscious))\\b"),
  cue('missing', "\\b(?:(?:hasn't|has not|haven't|didn't|did not) (?:come|got|gotten|made it) (?:home|back)|not home yet|still not home|can't reach (?:him|her|my|our)|cannot reach (?:him|her|my|our)|(?:his|her|my (?:son|daughter)'s) (?:phone|watch) (?:is |has been )?(?:switched off|off|dead)|went off with (?:a|an) (?:stranger|man|woman)|left with (?:a|an) (?:stranger|man|woman|unknown)|lurking|taking (?:photos|pictures) of (?:the )?(?:children|kids|girls|boys|students)|following (?:girls|children|kids|students)|wandering alone|alone (?:on|by|near|at) the (?:road|river|highway|overpass|bridge|railway|tracks|water)|no adults? (?:around|anywhere|in sight))\\b"),
  cue('self_harm', "\\b(?:end it(?: all| tonight| today| now)?|ending it|not (?:be|being) (?:here|around) (?:anymore|tomorrow)|won't be (?:here|around)|better off without (?:me|him|her)|no (?:reason|point) (?:to|in) (?:live|living|going on)|nothing to live for|disappear forever|want(?:s|ed)? to disappear|goodbye (?:note|letter|message)s?|giving away (?:his|her) (?:things|stuff)|(?:standing|sitting|sat|stood|climbed|up) on the (?:roof|ledge|railing|window ?sill)|jump(?:ing)? (?:off|from)|take (?:his|her|my) own life|unalive|kill (?:yourself|urself)|cut(?:ting|s)? (?:himself|herself|themselves)|razor blades?|can't go on)\\b"),
  cue('self_harm', "\\b(?:pills|hopeless|worthless)\\b", false),
  cue('threat', "\\b(?:you(?:'re| are) dead|dead meat|watch your back|we know where you live|knows? where (?:you|she|he) lives?|gonna get (?:you|him|her)|(?:will|going to|gonna) (?:hurt|stab|kill|beat|jump) (?:you|him|her)|death threats?|threatening messages|doxx\\w*|(?:leak|share|post)(?:ed|ing)? (?:her|his) (?:photos|address|nudes|pictures))\\b"),
  cue('fire', "\\b(?:on fire|in flames|flames|black smoke|smoke (?:is |was )?(?:coming|pouring|filling|everywhere)|burning smell|smell of burning|smells? like (?:burning|gas)|sparking|sparks (?:coming|flying)|wires? (?:are |is )?(?:exposed|hanging|sparking)|socket (?:is )?(?:smoking|burning|sparking))\\b"),
  cue('structure', "\\b(?:(?:ceiling|roof|plaster|tiles?|bricks?|glass|window|light|lamp|fan|sign|hoop|backboard|goalpost|railing|balcony|stands?|bleachers?|wall|board|beam)[^.!?]{0,30}(?:fell|falling|came down|come down|crashed down|gave way|broke off|snapped)|(?:fell|came down|crashed) on (?:a|the|my|his|her) (?:child|kid|student|head|desk|boy|girl)|(?:manhole|drain) (?:cover )?(?:is |was )?(?:missing|open|gone|stolen)|open manhole|sinkhole|fell into (?:a|the) (?:hole|pit|ditch|well|manhole))\\b"),
  cue('structure', "\\b(?:loose|wobbl\\w*|swaying|bending)\\b", false),
  cue('water', "\\b(?:went under|swallowed (?:a lot of )?water|pulled (?:him|her|a child|a kid|a boy|a girl|\\w+) out of the (?:water|pool|river|pond|lake)|fished out|face down in the water|slipped into the (?:river|pond|pool|water|canal|lake))\\b"),
  cue('missing', "\\b(?:hanging around|loitering)\\b", false),
  cue('water', "\\b(?:no lifeguards?|lifeguards? (?:was |is |were )?(?:absent|missing|away|asleep|on (?:his|her|their) phones?))\\b", false),
  cue('vehicle', "\\b(?:smell(?:s|ed)? (?:of|like) (?:alcohol|booze|beer|liquor)|reek(?:s|ed)? of|had been drinking|skid(?:ded)?|slid (?:off|into)|(?:went|ran|drove|crashed) into (?:a|the) (?:ditch|river|wall|tree|pole)|knocked (?:down|over) (?:a|the|my|his|her) (?:child|kid|boy|girl|student|pupil|cyclist|pedestrian)|hit (?:a|the|my) (?:child|kid|boy|girl|student|pupil)|brakes? (?:(?:are|is|were|was) )?(?:broken|faulty|failing|not working))\\b"),
  cue('abuse', "\\b(?:(?:was|were|got|been|kept|left) locked (?:in|inside)|shut (?:him|her|them|the kids?|the children) in|no food or water|without (?:food|water) (?:for|all)|not allowed to (?:eat|drink)|taped (?:his|her|their) (?:mouth|hands)|tied (?:him|her|them) (?:up|to))\\b"),
  cue('weapon', "\\b(?:blades?|box cutter|brandish\\w*|waving (?:a|an) (?:knife|blade|stick|bat|pipe|bar|machete|axe)|pulled (?:out )?a (?:knife|blade|gun)|axe|hatchet)\\b"),
  cue('sexual', "\\b(?:touch(?:ed|es|ing)? (?:her|him|girls|boys|children|kids|students|my daughter|my son)\\b(?! (?:on the shoulder|lightly))|kiss(?:ed|ing)? (?:her|him|a girl|a boy|students|pupils)|(?:sit|sat|sitting) on (?:his|her) lap|asked (?:her|him) (?:for|to send) (?:photos|pictures|selfies)|showed (?:them|her|him|the kids|the children) (?:porn|dirty|explicit)|porn\\w*|hidden camera|peep\\w*|upskirt|(?:man|men|guy|stranger|male)[^.!?]{0,50}(?:girls'?|women's|ladies'?) (?:toilets?|bathrooms?|showers?|changing rooms?|dorms?))\\b"),
  // ---- Second round, from the urgent training examples the cues still missed: more scene families. ----
  cue('violence', `(?:往|朝|对着)[^，,。]{0,6}${BODY}[^，,。]{0,3}(?:打|敲|砸|抽|扇|踢|踹|戳|扎)|(?:抓|揪|按|拽|拉)(?:着|住)?[^，,。]{0,6}(?:手|头|脸|脑袋)[^，,。]{0,4}往[^，,。]{0,6}(?:砸|撞|磕|摔)|(?:拖|拽|拉|抱)(?:进|到|去)(?:了)?[^，,。]{0,8}(?:树林|巷子|厕所|小屋|车里|里屋|屋里|角落|仓库|楼道)|(?:扳手|锤子|榔头|铁锹|斧头|砖头|钢管|铁棍|酒瓶|啤酒瓶|板凳|凳子)[^，,。]{0,6}(?:乱挥|挥舞|乱砸|抡|砸向|砸人|打人)|(?:燎|烧|烫)(?:了)?[^，,。]{0,4}(?:头发|头皮|胳膊|手臂|手|脸)|用头撞|拿头撞|撞墙`),
  cue('injury', '(?:哮喘|癫痫|心脏病|羊癫疯|低血糖|过敏)[^，,。]{0,4}(?:发作|犯了|休克)|心跳(?:没了|停了|骤停|很弱)|没(?:有)?心跳|心肺复苏|人工呼吸|除颤(?!仪|器)|憋(?:紫|青|得发紫|死)|脸(?:都)?憋|呼吸急促|喘气(?:都)?困难|(?:嗓子|喉咙|气管)[^，,。]{0,4}(?:肿|卡|堵)|卡(?:在|住)(?:了)?[^，,。]{0,2}(?:喉咙|嗓子|气管)|鱼刺|异物|说不出话|说胡话|意识模糊|神志不清|(?:眼睛|视线)[^，,。]{0,6}模糊|浑身发抖|手(?:一直|不停)?发抖|尿血|便血|拉血|吐血|摔变形|变形了|肿得(?:像|跟|老高|发亮|发紫)|肿成|甩(?:了)?出去|甩飞|扎满|扎进(?:肉|脚|手)|玻璃碴|被(?:狗|猫|蛇)[^，,。]{0,4}咬|狗[^，,。]{0,6}咬(?:了|伤)|(?:压|砸)(?:住|在)(?:了)?[^，,。]{0,6}(?:腿|脚|身上|身体|孩子|学生)|被(?:车)?压(?:住|在|伤|了)|把[^，,。]{0,12}(?:刮倒|撞倒|撞飞|碾)'),
  cue('injury', '迷迷糊糊|嘴巴发麻|嘴唇发麻|舌头发麻|全身起', false),
  cue('illness', '(?:一半|大半|一大半|大部分|不少|一堆|整个宿舍|一个宿舍|一栋|一层|满教室|全宿舍|全年级)[^。！？!?]{0,12}(?:吐|拉肚子|腹泻|发烧|肚子疼|肚子痛|头晕|起疹)|往[^，,。]{0,8}(?:水杯|杯子|饭|水|饮料|汤)里[^，,。]{0,6}(?:倒|放|加|下|撒)(?:了)?|(?:嘴巴|嘴唇|舌头)发麻[^。！？!?]{0,10}(?:吐|晕|抖)'),
  cue('missing', '(?:陌生|不认识|可疑|车上的人|面包车)[^。！？!?]{0,16}上车|(?:一个人|单独)(?:去|到|来)[^，,。]{0,8}(?:见面|宾馆|酒店|网吧|他家|值班室)|抱(?:起|着)[^，,。]{0,6}(?:小朋友|孩子|小孩|女孩|男孩)[^，,。]{0,4}(?:就走|往外走|就跑|跑)|跟着[^，,。]{0,6}(?:女学生|女生|学生|孩子|小孩)[^，,。]{0,6}慢慢开|到处找|找遍'),
  cue('self_harm', '不想(?:再)?撑|撑不下去|坚持不下去|熬不下去|吞了[^，,。]{0,4}(?:药|片)|一个人(?:上|跑|爬)(?:了|到|去|上)?[^，,。]{0,4}(?:楼顶|天台)|(?:楼顶|天台)[^。！？!?]{0,16}(?:一个人|独自)(?:上去|上了|爬上)'),
  cue('sexual', '想你了|抱抱(?:你|她|他)|亲亲(?:你|她|他)|约(?:她|他|孩子|我女儿|我儿子)[^，,。]{0,10}(?:去他|到他|单独|见面|开房|出去玩|家里)|不雅(?:的)?(?:图片|照片|视频|图)|扒(?:了)?[^，,。]{0,4}衣服|扒光|搜身|(?:叫|拉|带)(?:着)?[^，,。]{0,6}(?:到|进)(?:了)?(?:里屋|屋里|小屋|值班室|他的?房间)'),
  cue('structure', '(?:电梯|轿厢)[^，,。]{0,8}(?:卡|困|关)(?:在|住)|困在(?:电梯|里面)|被困|电梯井|轿厢不在|滑坡|泥石流|山体|往下滑|(?:栏杆|护栏)[^，,。]{0,6}(?:锈穿|缺了|空了|没了|断了一段)|(?:门|架|柜|杆|树)[^，,。]{0,4}倒下来|(?:快|快要|就要|眼看要)(?:倒|塌|断)(?!闭|霉|数)|(?:液化气罐|煤气罐|燃气罐|气罐|煤气|燃气)[^，,。]{0,8}(?:嘶嘶|漏|响)'),
  cue('fire', '火[^，,。]{0,4}(?:烧到|烧过来|蔓延|越烧越大)|山火|野火|烧荒|(?:汽油|柴油|酒精)[^，,。]{0,12}(?:烧|点)|(?:把|要)[^，,。]{0,6}(?:教室|学校|宿舍|你家|他家|房子)(?:给)?烧了'),
  cue('water', '冰窟窿|冰面[^，,。]{0,3}(?:裂|破|塌)|掉进冰|池底|水底|趴(?:在)?水(?:里|面)|浮(?:不)?上来'),
  cue('vehicle', '翻(?:到|进|下)[^，,。]{0,4}(?:沟|河|坡|山)|铁道口|道口[^，,。]{0,6}熄火|熄火[^，,。]{0,8}(?:铁道|道口|火车)|(?:司机|开车)[^。！？!?]{0,16}(?:酒瓶|喝酒|啤酒|白酒|舌头(?:都)?大|刷视频|看视频|看手机|刷手机)|后备箱[^，,。]{0,4}(?:坐|装|塞)|(?:渣土车|货车|卡车|工程车|面包车|三轮车)[^，,。]{0,8}(?:刮倒|撞倒|压|碾|撞了)|车[^。！？!?]{0,12}(?:塞|挤|拉|装)了?[^，,。]{0,4}(?:[一二三四五六七八九十两几]+|\\d+)(?:多)?个?(?:孩子|学生|小孩)'),
  cue('abuse', '(?:关|锁)(?:在|进|到)(?:了)?(?:家里|阳台|楼道|门外|外面)|(?:胶布|胶带)[^，,。]{0,8}(?:嘴|手)|(?:捂|蒙)(?:住|着)[^，,。]{0,6}(?:头|脸|口鼻|鼻子|嘴)|(?:往|朝)[^，,。]{0,4}嘴(?:里|巴里)塞|塞[^，,。]{0,4}(?:嘴里|嘴巴里)|冻得[^，,。]{0,4}(?:发抖|发紫)|雪地里(?:站|跪)|(?:罚|让)[^，,。]{0,6}(?:站|跪)在(?:雪|雨|太阳)'),
  cue('violence', "\\b(?:held (?:him|her|them|my \\w+) down|burn(?:ed|t)? (?:his|her|their) (?:arm|hand|face|hair|neck)|with a lighter|cigarette burns?|cut (?:her|his) hair off|grabbed (?:him|her) by the (?:neck|throat|hair)|shook (?:him|her) against)\\b"),
  cue('injury', "\\b(?:dog bit|bit (?:a|the|my|his|her) (?:child|kid|boy|girl|son|daughter|pupil|first grader|leg|arm|hand)|bitten|mauled|cpr|resuscitat\\w*|mouth-to-mouth|bloody (?:diarrh\\w*|stools?|vomit)|throat (?:is )?swell\\w*|swelling up|red marks on (?:his|her) (?:throat|neck)|toppled|topples|fell onto|cut (?:his|her) (?:eyebrow|lip|head|face) open)\\b"),
  cue('missing', "\\b(?:never (?:arrived|made it|got) (?:at|to) school|(?:didn't|did not) (?:arrive|turn up|show up) (?:at|to|for) school|looked everywhere|searched everywhere|asking (?:my \\w+|him|her|the kids|children|kids) to get in|get into (?:his|a|the) (?:car|van)|offering (?:sweets|candy|snacks|toys))\\b"),
  cue('self_harm', "\\b(?:(?:took|swallowed|taken|pile of|handful of|bunch of) (?:\\w+ )?(?:pills|tablets)|tell everyone goodbye|say(?:ing)? goodbye to everyone|(?:sitting|standing|climbed|perched)[^.!?]{0,30}(?:ledge|window ?sill|rooftop|roof edge)|legs (?:dangling )?outside)\\b"),
  cue('sexual', "\\b(?:keep it (?:a )?secret|(?:don't|not to|never) tell (?:your|her|his|their) (?:parents|mum|mom|dad|mother|father)|meet (?:her|him) (?:off campus|alone|outside school|at (?:his|a) (?:flat|home|hotel|place)))\\b"),
  cue('structure', "\\b(?:trapped|stuck (?:in|between) (?:the )?(?:lift|elevator|floors)|lift shaft|elevator shaft|hissing|water (?:is )?(?:pouring|leaking|dripping) (?:through|into|onto) (?:the )?(?:lights?|light fittings|sockets?|wiring|fuse box)|branch[^.!?]{0,30}(?:split|cracked|hanging)|hanging over (?:the )?(?:spot|path|place|playground|children|kids))\\b"),
  cue('vehicle', "\\b(?:nodding off|dozing off|drifted into|oncoming (?:lane|traffic)|swung open|nearly fell out|fell out of (?:the|a) (?:bus|van|car|minibus)|rolled into)\\b"),
  // ---- Third round, imagined rather than seen: stings, fumes, crushes, floods, wrong medicine, objects in food. ----
  cue('injury', '被(?:马蜂|蜜蜂|黄蜂|蝎子|蛇|毒虫)[^，,。]{0,4}(?:蛰|蜇|咬)|马蜂窝|噎(?:住|着)|呛住|打错针|喂错药|吃错药|用错药|(?:砸|打|撞|摔|踢)晕|夹(?:住|到|伤)(?:了)?[^，,。]{0,4}(?:手|脚|腿|孩子|头|脖子)|喊救命|呼救|雷击|被雷劈'),
  cue('injury', "\\b(?:stung|stings|choked on|choking|wrong medicine|wrong injection|knocked unconscious|trapped (?:his|her) (?:hand|finger|leg|arm|head)|(?:screaming|crying|shouting) for help|struck by lightning)\\b"),
  cue('illness', '刺鼻[^，,。]{0,10}(?:咳|晕|流泪|呕|吐|喘)|有毒气体|毒气|氯气|氨气|过敏[^。！？!?]{0,10}(?:喘|肿|晕|休克|医院|急诊|120)|(?:吃出|菜里|饭里|汤里|粥里|面里)[^，,。]{0,6}(?:玻璃|钉子|刀片|铁丝|针|钢丝|图钉|老鼠药)'),
  cue('illness', "\\b(?:toxic|fumes|chemical (?:spill|leak|smell)|allergic reaction|anaphyla\\w*|(?:glass|needle|nail|blade|wire) (?:in|inside) (?:the|her|his|my \\w+'s) (?:food|rice|soup|meal|lunch))\\b"),
  cue('structure', '挤倒|被挤', false),
  cue('structure', '踩踏|(?:钢筋|钢管|砖块|石块|建材|铁皮|模板)[^，,。]{0,6}(?:掉|砸|坠|飞)|爬(?:出|上|到)[^，,。]{0,4}窗(?:户|台|外)'),
  cue('structure', "\\b(?:stampede|crush(?:ed)? (?:on|in) the (?:stairs|stairwell|corridor|gate)|trampled|climbed out (?:of )?the window|scaffolding[^.!?]{0,30}(?:fell|collapsed|falling))\\b"),
  cue('water', '被淹|水淹', false),
  cue('water', '洪水|山洪|齐腰深|进水[^，,。]{0,4}(?:齐|到)(?:腰|膝|胸)'),
  cue('water', "\\b(?:flash flood|floodwater|waist-deep)\\b"),
  cue('water', "\\b(?:flood(?:ed|ing)?)\\b", false),
  cue('missing', '冲进(?:了)?(?:学校|教室|幼儿园|校园|宿舍)|劫持|强行(?:拉走|带走|抱走|拽走)|网友[^，,。]{0,8}(?:见面|约她|约他|私密|裸|开房)|(?:要|拍|发)[^，,。]{0,6}(?:私密|裸|隐私)(?:照|照片|视频)'),
  cue('missing', "\\b(?:went missing|gone missing|stormed into|forced (?:his|her) way into|held (?:a|the) (?:child|class|kids|students) hostage|hostage|online (?:friend|stranger)[^.!?]{0,40}(?:meet|photos|pictures))\\b"),
  cue('self_harm', '烧炭|跳江|跳海|卧轨|没有我(?:会)?更好|我是(?:个)?(?:多余|累赘)|没人在乎我'),
  cue('self_harm', "\\b(?:no one would miss (?:me|him|her)|world would be better without|been cutting|started cutting|hurting (?:herself|himself|themselves))\\b"),
  cue('weapon', '钢珠|bb弹|(?:射|打)[^，,。]{0,4}(?:钢珠|弹珠)'),
  // ---- Fourth round, from a private dev batch (dev-c): generalised, not the sentences themselves. ----
  cue('missing', '(?:到现在|天黑|这么晚|一夜|一晚上|几个小时|半天|一整天)[^。！？!?]{0,12}(?:电话|手机|手表)[^，,。]{0,6}(?:没人接|打不通|关机|不接|联系不上)|(?:电话|手机|手表)[^，,。]{0,6}(?:没人接|打不通|关机|不接)[^。！？!?]{0,12}(?:到现在|天黑|这么晚|一夜|一晚上|几个小时|还没回)'),
  cue('sexual', '(?:摸|碰|捏|揉|搂)[^，,。]{0,6}(?:胸|屁股|大腿|隐私|私处|下体|腰|裙|内衣)|(?:更衣室|厕所|卫生间|浴室|洗澡间|淋浴|换衣服)[^。！？!?]{0,16}(?:伸手机|偷看|摄像头|偷偷拍|拍照|拍视频)|(?:伸|举)[^，,。]{0,4}手机[^，,。]{0,6}拍'),
  cue('structure', '(?:井|井口|枯井|坑|池子|地窖|窖)[^，,。]{0,4}(?:没盖|没有盖|没遮|没围|敞着)|(?:没盖|没有盖子?|没遮挡|没围挡)的?[^，,。]{0,3}(?:井|枯井|坑|池|窖|化粪池)|挂在[^，,。]{0,6}(?:空调|窗|阳台|栏杆|护栏|树)|(?:摔|掉|跌)(?:出|落)(?:了)?(?:窗|楼|阳台|来)'),
  cue('fire', '(?<!气得|心里|肚子里)冒(?:了)?(?:火|火星|黑烟|浓烟)|(?:水|漏水|雨水)[^。！？!?]{0,10}(?:插座|插线板|插排|电线|电闸|电箱|配电)|啪的一声'),
  cue('abuse', "\\b(?:shut|locked|kept|left) (?:[\\w'-]+ ){0,3}in (?:a|the) (?:dark )?(?:storage )?(?:cupboard|closet|room|cellar|basement|toilet|store ?room|box|car|bathroom|shed)\\b"),
  cue('vehicle', "\\b(?:level crossing|railway crossing|barrier (?:was )?coming down|train (?:was )?coming)\\b"),
  cue('water', "\\b(?:(?:slipped|went|going|gone|sank|sinking|go) under(?: the water)?|face down in)\\b"),
  cue('injury', '溅(?:到|进)(?:了)?眼睛|(?:酸|碱|化学|试剂|药水|开水|热油|热汤|热水)[^，,。]{0,8}(?:溅|泼|洒|喷)[^，,。]{0,4}(?:眼睛|眼里|脸|身上|手上|腿上)|往(?:墙|地|桌|门|黑板|柜子)[^，,。]{0,2}(?:上)?(?:撞|磕|砸|摔)|跑(?:到)?吐|练(?:到)?吐|(?:吐了|晕了)[^，,。]{0,4}还(?:让|逼|不让停)'),
  cue('structure', '(?:弯|歪|倒|断|裂|松|晃|掉)[^。！？!?]{0,16}(?:(?:下面|底下|下方)[^，,。]{0,4}(?:还有|就是|正在|都是|有)|(?:正在|还在|都在)(?:下面|底下))', true, true),
  cue('missing', '说是[^，,。]{0,6}(?:姑姑|舅舅|叔叔|阿姨|亲戚|家长|奶奶|爷爷|爸爸|妈妈|姐姐|哥哥)[^，,。]{0,6}(?:接|带)'),
  cue('abuse', '光着?身子|光屁股|赤身|裸体|脱光'),
  cue('threat', '(?:约|叫|找)了?(?:一帮|一群|几个|好多)?人[^。！？!?]{0,10}(?:办|搞|弄|收拾|堵|打)|(?:办|搞|弄|收拾|堵)[”"]?(?:他|她|你)[^。！？!?]{0,10}(?:约|叫|找)了?(?:一帮|一群|几个|好多)?人'),
  cue('self_harm', '写了?(?:一封)?(?:道歉)?信[^。！？!?]{0,10}(?:对不起|再见|永别)|(?:给|跟)(?:爸妈|爸爸妈妈|父母|家里)[^，,。]{0,6}(?:说|写)[^，,。]{0,4}(?:对不起|再见|永别)'),
  cue('self_harm', '几天没吃饭|好几天不吃|不吃饭', false),
  cue('self_harm', "\\b(?:(?:hasn't|has not|haven't) eaten (?:in|for) days|marks (?:up|on|all over) (?:her|his|their) (?:arms|wrists|legs|thighs)|(?:letter|note|message) saying sorry|apology letter to (?:her|his) parents)\\b"),
  cue('water', '(?:头发|手|脚|腿|身体)[^，,。]{0,4}被吸住|被(?:排水口|水泵|漩涡)[^，,。]{0,4}吸|在水(?:下|里)[^，,。]{0,4}(?:起不来|上不来|出不来)'),
  cue('vehicle', '溜车|没拉手刹|车(?:子)?自己(?:往下)?(?:溜|滑|动)'),
  cue('structure', '(?:护栏|栏杆|窗户|窗台|阳台)外(?:面|边)?[^，,。]{0,4}(?:站|坐|趴|爬|挂|蹲)'),
  cue('fire', '冒出(?:了)?[^，,。]{0,4}(?:焦味|糊味|黑烟|浓烟|火)|(?:焦味|糊味)[^，,。]{0,4}(?:黑烟|浓烟)'),
  cue('injury', "\\b(?:struggling to breathe|hard to breathe|can't catch (?:his|her) breath|lips? (?:swell\\w*|swollen)|hives|face (?:is )?swell\\w*)\\b"),
  cue('missing', "\\b(?:(?:alone|left|locked) in (?:a|the) (?:hot |locked |parked )?car)\\b"),
  cue('injury', '叫(?:都)?叫不(?:应|醒)|喊(?:都)?喊不(?:应|醒)|怎么叫都(?:不|没)'),
  cue('injury', "\\b(?:on (?:a |an )?(?:drips?|iv))\\b"),
  cue('sexual', '(?:换衣服|洗澡|上厕所|如厕)的?(?:视频|照片)|(?:扯|拽|拉)(?:下|掉)[^，,。]{0,6}(?:裤子|裙子|衣服)|secret (?:test|game)s?'),
  cue('self_harm', '搜(?:了|索)?[^，,。]{0,6}(?:怎么死|自杀|吃多少药|怎么跳)|一起[“”"]?(?:跳楼|跳下去|死|解脱|自杀)'),
  cue('self_harm', "\\b(?:how many pills|how to kill (?:myself|himself|herself)|ways to die|searched (?:online )?(?:for )?(?:how|ways) to (?:die|end))\\b"),
  cue('water', "\\b(?:burst (?:its|their) banks|wading through)\\b"),
  // Danger that is about to happen: "could give way any moment" is the report, not a hypothetical.
  cue('structure', "\\b(?:any (?:moment|minute|second|time now)|about to (?:give way|fall|collapse|come down)|(?:someone|somebody|a child|a kid) (?:is )?(?:going to|will) (?:fall|get hurt|be killed|die)|(?:is|are) going to (?:fall|collapse|come down))\\b", true, true),
  cue('structure', '(?:栏杆|护栏)[^，,。]{0,6}(?:断了|松了|坏了|歪了)[^。！？!?]{0,16}(?:孩子|小孩|学生|人)[^，,。]{0,6}(?:趴|靠|倚|坐|站|爬)|随时(?:都)?(?:可能|会|要)?[^，,。]{0,3}(?:倒|塌|掉|断|砸|垮)(?!闭|霉|线|网|课)|(?:快|快要|就要|眼看)(?:要)?(?:塌|倒)了', true, true),
  // ---- Fifth round, from blind-f's misses (now development data): a failing thing with children exposed to it right
  // now, told as the scene ("墙皮掉…孩子还坐在墙边", "链子断了…还有个小孩在上面荡", "the kids are sitting right under
  // it"). The hazard and the exposure are both needed; either alone is a routine repair.
  cue('structure', '(?:掉|断|松|晃|坏|塌|裂|脱落|悬着|吊着|没挡板|螺丝)[^。！？!?]{0,20}(?:孩子|小孩|学生|小朋友|人)们?(?:还|正|都|就)?(?:坐|站|躲|趴|玩|荡|挤)?在(?:上面|下面|底下|下方|旁边|边上|墙边|窗边|马路中间|路中间|车斗)', true, true),
  cue('vehicle', '(?:三轮车?|面包车|拖拉机|货车|农用车)[^。！？!?]{0,8}(?:拉|载|装)(?:了|着)[^，,。]{0,6}(?:学生|孩子|小孩)[^。！？!?]{0,16}(?:车斗|没挡板|正往|正在往|开上|上了大路)', true, true),
  cue('structure', "\\b(?:hanging by (?:one|a|a single) (?:screw|thread|bolt|wire)|(?:kids|children|students|pupils|a child|a kid) (?:are |is |were )?(?:still )?(?:sitting|standing|playing) (?:right )?(?:under|below|beneath|underneath) it)\\b", true, true),
  // Weak, for the learned model only: a report written in alarm, about a body, happening now.
  cue('alarm', '救命|快来|快派|赶紧|赶快|马上|立刻|求求|求你们|求助|吓坏|吓得|尖叫|哭喊|不敢|现在还|刚才|刚刚|正在|今晚|此刻|到现在', false),
  cue('alarm', "\\b(?:help|right now|just now|immediately|urgent(?:ly)?|please hurry|hurry|terrified|screaming|still (?:there|inside|in there|on board|not)|tonight)\\b", false),
  cue('body', '头|脸|眼睛|鼻子|嘴|牙|脖子|喉咙|胸口|肚子|后背|胳膊|手腕|手指|大腿|膝盖|脚踝|屁股|呼吸|身上', false),
  cue('body', "\\b(?:head|face|eyes?|nose|mouth|teeth|neck|throat|chest|stomach|back|arms?|wrists?|fingers?|legs?|knees?|ankles?|breath\\w*|body)\\b", false),
];


// A clause is where a negation can reach: Chinese and English punctuation, and "but"/"但" which turn the sentence.
const CLAUSE_BREAK = /[，,。.!！?？；;\n]|但是|但|可是|\bbut\b/g;

// Phrases that contain a negator but do not negate the harm that follows ("没想到被打了", "未成年人被打").
const FALSE_NEGATORS = /没想到|没办法|没人管|没有人管|没人理|没有人理|未成年|无缘无故|无故|无辜|无论|不管/g;
const ZH_NEGATION = /(?:没有|没|未|无|并未|不是|不会|并非|防止|预防|防|避免)[^，,。！？]{0,4}$/;
// Hypotheticals reach further than a plain negation: "万一有孩子摔下来受伤" is a worry, not an injury.
const ZH_HYPOTHETICAL_WORDS = '(?:以免|以防|万一|如果|要是|假如|担心|害怕|生怕|就怕|怕|恐怕|一旦|容易|可能会|会不会|将来|免得|迟早|早晚|哪天|哪一天|有一天|有朝一日|到时候)';
const ZH_HYPOTHETICAL = new RegExp(`${ZH_HYPOTHETICAL_WORDS}[^，,。！？!?]{0,12}$`);
// A worry can sit inside a long cue's own match ("松了哪天掉下来砸到孩子"): the match is read too.
const ZH_HYPOTHETICAL_INSIDE = new RegExp(ZH_HYPOTHETICAL_WORDS);
// Figures of speech right before a self-harm word: "急得我要跳楼了", "烦得想死".
// "想死的心都有了": the idiom comes right after the cue.
const HYPERBOLE_AFTER = /^的?心(?:都|也)?(?:有|要)/;
const HYPERBOLE_BEFORE = /(?:急|气|烦|累|愁|热|饿|困|忙|吵|笑)得(?:我|人)?(?:都|真)?(?:要|想|快)?$/;
// "练得腿都要断了", "孩子说脑袋要爆炸了": a body or a head "about to break" in a clause with 得 or 说 is a figure of speech.
const HYPERBOLE_CLAUSE = /(?:得|说)[^，,。]{0,8}(?:都|快)?要[^，,。]{0,2}(?:断|炸|爆炸|裂开|废|疯)了/;
// "开玩笑说要杀了你", "就是吓唬家长", "当然是气话": words the report itself says were not meant. Disarms threats and
// self-harm talk, never an act ("不是开玩笑" stays armed).
const NOT_MEANT = /(?<!开)玩笑|(?<!不是|没有?|并非)(?:开玩笑|说笑|气话|吓唬|说说而已|夸张|哈哈|嘻嘻|😂|🤣)|\b(?:joking|kidding|just a joke|figure of speech|lol|lmao|haha\w*)\b/i;
// Questions about insurance or medical bills come after the injury, not during it.
const AFTERMATH = /学平险|报销|理赔|医药费|保险公司|保险(?:能|可以)?赔|赔多少|拆线|\b(?:insurance claim|medical bills?|reimburse\w*)\b/i;
// Something long past in the cue's own clause: "上学期有老师打过学生", "去年好多人中暑", "last year a teacher pushed him".
const LONG_AGO = /去年|前年|上学期|上个学期|几年前|小时候|曾经|上次|上回|那次|那回|\b(?:last year|last term|last semester|years ago)\b/i;
// A report that says the matter is over ("后来学校处理了", "已经都好了", "it's resolved") disarms the cues before it, but
// not a school's claim that it is ("学校说已经处理了"), and not what comes after ("…但现在又被打了").
const RESOLVED = /(?<![说称讲])(?:已经|后来|早就|都已|均已|目前已)[^，,。！？!?医]{0,6}(?:处理了|处理好|处理完|处理过|解决了|道歉|赔偿|赔了|出院|康复|痊愈|好了|没事|找到了|开除|辞退|停职|处分|扑灭|修好|查清|查明|赶走|请出去|请走|制止)|(?:都|也|已经)没事了|(?:孩子们?|大家|学生们?)(?:都|也)(?:很)?(?:安全|平安|没事)|谣言|辟谣|不实消息|假消息|\b(?:rumou?rs?|hoax|fake news)\b|已经回(?:家|来)了|平安(?:回家|到家|无事)|(?<![没不未])修好了|(?:一天|两天|几天|第二天|当天|当晚|很快|马上|睡一觉)[^，,。！？!?就]{0,3}就?(?:好了|找到了|回来了|出院了)|(?:马上|立刻|立即|及时|很快|当场)[^，,。！？!?]{0,6}(?:赶走了|制止了|拉开了|救上来了|拉上来了|撤离了)|虚惊一场|\b(?:(?:has|have|had) been (?:resolved|handled|dealt with|sorted)|was (?:resolved|handled|dealt with|sorted out)|it's resolved|is resolved|apologi[sz]ed|has (?:fully )?recovered|(?:is|are) (?:fine|ok|okay|safe) now|everyone (?:is|was) (?:fine|ok|okay|safe)|everyone's (?:fine|ok|okay|safe)|(?:was|were) found safe|came home safe|false alarm)\b/gi;
const EN_NEGATION = /\b(?:no|not|nobody|none|never|without|didn't|hasn't|haven't|wasn't|weren't|isn't|luckily|prevent\w*|avoid)\b(?:\W+\w+){0,2}\W*$/i;
const EN_HYPOTHETICAL = /\b(?:in case|if|what if|could|might|worried|afraid|one day|before (?:someone|anyone|a child|a kid))\b(?:\W+\w+){0,3}\W*$/i;
// Whole clauses about safety lessons and drills talk about a risk, they do not report one.
const DRILL_CONTEXT = /演练|安全教育|讲座|宣传|知识|主题班会|安全课|逃生|防溺水|\bdrills?\b|\bsafety (?:lessons?|education|classes|training|week)\b|\bawareness\b|\bprevention\b/i;
// "Nobody was hurt" anywhere in the report disarms injury words and a collapse that already happened...
const NOBODY_HURT = /(?:没有?|无|未)(?:人|孩子|学生|小孩|同学)(?:员)?(?:受伤|伤亡|出事)|(?:没有?|未)(?:伤到|伤着)(?:人|孩子|学生)?|未造成(?:人员)?伤亡|还好没有?(?:孩子|人)?(?:受伤|出事)|幸好没有?(?:孩子|人)?(?:受伤|出事)|所幸|\b(?:nobody|no one|no child|no children|no student|no kids?)(?:'s| has| have| was| were| got)?(?: \w+){0,3} (?:hurt|injured)\b|\bno injuries\b|\bluckily no\b/i;
// ...but only "no danger" also disarms a crack: "墙体开裂，没有人受伤，但随时可能倒塌" is still urgent.
const NO_DANGER = /没什么大碍|没有大碍|无大碍|并无大碍|没什么大事|没大事|问题不大|不严重|已经处理好?了|(?:擦|蹭|磕|划)破(?:了)?(?:一)?点(?:儿)?皮|破了点皮|皮外伤|小伤|轻微|暂时没有?(?:危险|出事)|没有危险|不危险|暂无危险|暂时安全|\b(?:not dangerous|no danger|no immediate danger|nothing serious|nothing broken|minor (?:scratch|scrape|cut|bruise)|already treated|(?:nurse|doctor) (?:says|said) (?:it's|it is|he's|he is|she's|she is) (?:fine|ok|okay)|a bit swollen)\b/i;

// Something that happened at another school, or on the news, is a question, not an emergency here.
const ELSEWHERE = /(?:隔壁|别的|其他|外地|外省|外市|外县|邻县|邻市)[^，,。]{0,4}(?:学校|地方|县|市|省|区)|新闻|报道|网上看到|网上说|视频里看到|\b(?:another school|other schools|on the news|in the news|news (?:report|story)|read about|saw (?:a|the) (?:report|video)|elsewhere|another (?:city|province|county|district))\b/i;

export interface RiskHit {
  readonly group: CueGroup;
  readonly text: string;
  readonly strong: boolean;
  /** The cue is negated or hypothetical in its clause. */
  readonly negated: boolean;
  readonly start: number;
  readonly end: number;
}

/** Where each clause break starts and ends, found once per report. */
function clauseBreaks(text: string): Array<[number, number]> {
  return Array.from(text.matchAll(CLAUSE_BREAK), (match) => [match.index, match.index + match[0].length]);
}

/** The clause around `index`, by binary search: a text of a thousand clauses and a thousand cues is not a million steps. */
function clauseBounds(breaks: ReadonlyArray<[number, number]>, length: number, index: number): { start: number; end: number } {
  // The first break at or after index ends the clause; the one before it starts it.
  let low = 0;
  let high = breaks.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (breaks[middle]![0] >= index) high = middle;
    else low = middle + 1;
  }
  return { start: low > 0 ? breaks[low - 1]![1] : 0, end: low < breaks.length ? breaks[low]![0] : length };
}

/**
 * How far back from a cue the end-anchored checks (negation, hypothetical, figure of speech) look. Their longest
 * match is about 20 characters (two English words after "no"); giving them the whole clause made every cue rescan
 * it, quadratic in a long clause full of cues.
 */
const LOOK_BACK = 80;

// A worry about what could happen, anywhere in the report ("哪天掉下来砸到孩子怎么办", "what if a child…"): with no
// present-danger cue, the learned model alone must not raise it.
const WORRY = /万一|哪天|哪一天|有一天|有朝一日|迟早|早晚|以免|以防|免得|到时候|会不会|出了事|\b(?:what if|in case|one day|before someone)\b/i;
// Figures of speech that sound like harm: "热死了", "累得要命", "吓死人", "想死的心都有".
const FIGURE_OF_SPEECH = /(?:热|冷|累|困|饿|渴|烦|吵|气|吓|笑|挤|忙|闷|难吃|贵|疼)(?:死|坏)(?:了|人|啦)|(?:得|到)要命|要了命|的心都有|\b(?:killing (?:me|us|him|her)|dying of (?:heat|boredom)|bored to death)\b/i;
// An event told as past ("上个月…", "前几天…") in a report that asks about its handling (bills, footage, a response),
// not for help: the cue after the marker is disarmed unless the report says the harm is back or still going on.
const RECENT_PAST = /上个?月|上(?:个)?(?:周|星期|礼拜)|前(?:几|两|一)?天|前段时间|前阵子|之前|那天|[一二两三四五六七八九十\d]{1,4}(?:天|周|个星期|个月)(?:以)?前|\b(?:last (?:week|month)|a (?:few days|week|month) ago|\w+ (?:days|weeks) ago)\b/i;
const ASKS_ABOUT_HANDLING = /说法|监控|留样|处理结果|调查结果|追责|赔偿|医药费|报销|保险|责任|道歉|通报|结果|为什么没|\b(?:footage|cctv|compensation|medical bills?|who (?:is|was) responsible|what (?:was|has been) done|an? (?:explanation|answer|apology))\b/i;
const STILL_GOING_ON = /又|还在|仍在|仍然|现在还|今天|今早|今晚|刚才|刚刚|正在|此刻|每天|天天|一直|\b(?:again|still|right now|today|tonight|every day)\b/i;

// RESOLVED is global for matchAll; a stateful .test() on it would leak lastIndex into the next report's matchAll.
const RESOLVED_ANYWHERE = new RegExp(RESOLVED.source, 'iu');

/**
 * Whether the report as a whole talks about harm at a distance: resolved, long ago, elsewhere, a drill, a rumour, a
 * joke or an insurance question. A feature for the learned models, which otherwise see only the words of the harm.
 */
export function hasDefusingContext(normalized: string): boolean {
  return (
    RESOLVED_ANYWHERE.test(normalized) ||
    LONG_AGO.test(normalized) ||
    ELSEWHERE.test(normalized) ||
    DRILL_CONTEXT.test(normalized) ||
    NOT_MEANT.test(normalized) ||
    AFTERMATH.test(normalized) ||
    WORRY.test(normalized) ||
    FIGURE_OF_SPEECH.test(normalized)
  );
}

/** All risk cues in a normalized text, each marked negated or not. */
export function findRiskCues(normalized: string): RiskHit[] {
  const nobodyHurt = NOBODY_HURT.test(normalized);
  const noDanger = NO_DANGER.test(normalized);
  const aftermath = AFTERMATH.test(normalized);
  const notMeant = NOT_MEANT.test(normalized);
  const toldAsPast = ASKS_ABOUT_HANDLING.test(normalized) && !STILL_GOING_ON.test(normalized);
  let resolvedAt = -1;
  for (const match of normalized.matchAll(RESOLVED)) resolvedAt = match.index;
  const hits: RiskHit[] = [];
  // Chinese cues need Han text and English cues Latin text. (There used to be a pre-screen with one alternation of
  // every cue; with body and alarm words nearly every report has some cue, so it cost more than it saved.)
  const hasHan = /\p{Script=Han}/u.test(normalized);
  const hasLatin = /[a-z]/i.test(normalized);
  if (!hasHan && !hasLatin) return hits;
  const breaks = clauseBreaks(normalized);
  // Facts about a whole clause, computed once per clause rather than once per cue in it.
  const clauseFacts = new Map<string, { drill: boolean; elsewhere: boolean; hyperbole: boolean; longAgoEnd: number; pastEnd: number }>();
  const factsOf = (start: number, end: number) => {
    const key = `${start}:${end}`;
    let facts = clauseFacts.get(key);
    if (!facts) {
      const text = normalized.slice(start, end);
      const longAgo = LONG_AGO.exec(text);
      const past = toldAsPast ? RECENT_PAST.exec(text) : null;
      facts = {
        drill: DRILL_CONTEXT.test(text),
        elsewhere: ELSEWHERE.test(text),
        hyperbole: HYPERBOLE_CLAUSE.test(text),
        // Where the clause's first mention of the long past ends: a cue after it is in the past.
        longAgoEnd: longAgo ? start + longAgo.index + longAgo[0].length : Number.POSITIVE_INFINITY,
        pastEnd: past ? start + past.index + past[0].length : Number.POSITIVE_INFINITY,
      };
      clauseFacts.set(key, facts);
    }
    return facts;
  };
  for (const riskCue of RISK_CUES) {
    if ((riskCue.script === 'han' && !hasHan) || (riskCue.script === 'latin' && !hasLatin)) continue;
    for (const match of normalized.matchAll(riskCue.pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (riskCue.group === 'alarm' || riskCue.group === 'body') {
        // Context for the model only, never a reason on its own: not worth the negation checks below.
        hits.push({ group: riskCue.group, text: match[0], strong: false, negated: false, start, end });
        continue;
      }
      const clause = clauseBounds(breaks, normalized.length, start);
      const before = normalized.slice(Math.max(clause.start, start - LOOK_BACK), start);
      const facts = factsOf(clause.start, Math.max(clause.end, end));
      const negated =
        ZH_NEGATION.test(before.replace(FALSE_NEGATORS, '_')) ||
        (!riskCue.imminent && (ZH_HYPOTHETICAL.test(before) || ZH_HYPOTHETICAL_INSIDE.test(match[0]) || EN_HYPOTHETICAL.test(before))) ||
        facts.longAgoEnd <= start ||
        facts.pastEnd <= start ||
        (riskCue.group === 'self_harm' && (HYPERBOLE_BEFORE.test(before) || HYPERBOLE_AFTER.test(normalized.slice(end, end + 4)))) ||
        (notMeant && (riskCue.group === 'self_harm' || riskCue.group === 'threat')) ||
        (aftermath && riskCue.group === 'injury') ||
        (['injury', 'fire', 'structure', 'self_harm', 'threat'].includes(riskCue.group) && facts.hyperbole) ||
        start < resolvedAt ||
        EN_NEGATION.test(before) ||
        facts.drill ||
        (nobodyHurt && (riskCue.group === 'injury' || riskCue.group === 'collapse')) ||
        (noDanger && (riskCue.group === 'injury' || riskCue.group === 'collapse' || riskCue.group === 'structure')) ||
        facts.elsewhere;
      hits.push({ group: riskCue.group, text: match[0], strong: riskCue.strong, negated, start, end });
    }
  }
  return hits.sort((a, b) => a.start - b.start);
}

/**
 * The text with negated cues blanked out, for the learned urgency model: otherwise "没有人受伤" would still feed
 * it the n-gram 受伤.
 */
export function maskNegatedCues(normalized: string, hits: readonly RiskHit[]): string {
  let masked = normalized;
  for (const hit of hits) {
    if (!hit.negated) continue;
    masked = masked.slice(0, hit.start) + ' '.repeat(hit.end - hit.start) + masked.slice(hit.end);
  }
  return masked;
}

export const RISK_GROUPS: readonly CueGroup[] = [
  'violence', 'injury', 'illness', 'missing', 'self_harm', 'sexual', 'structure', 'collapse', 'water', 'fire',
  'weapon', 'vehicle', 'threat', 'abuse', 'alarm', 'body',
];

