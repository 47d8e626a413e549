/**
 * Risk cues for the urgent flag: a person, above all a child, at immediate risk. Urgent must be high-recall, so a
 * strong cue that is not negated makes a report urgent on its own; weak cues only inform the learned model.
 * Negation and hypotheticals are checked in the cue's own clause ("没有人受伤", "nobody hurt", "防溺水教育",
 * "in case someone gets hurt"), because "a broken fence, nobody hurt" must stay a routine repair.
 */

type CueGroup = 'violence' | 'injury' | 'illness' | 'missing' | 'self_harm' | 'sexual' | 'structure' | 'collapse'
  | 'water' | 'fire' | 'weapon' | 'vehicle' | 'threat' | 'abuse';

interface RiskCue {
  readonly group: CueGroup;
  readonly pattern: RegExp;
  /** Chinese cues need Han text, English cues Latin text; skipping the other half halves the work. */
  readonly script: 'han' | 'latin';
  /** Strong cues decide on their own; weak ones are features for the model. */
  readonly strong: boolean;
}

const CHILD = '(?:孩子|儿子|女儿|学生|小孩|闺女|同学|孩|娃|小朋友|幼儿|男生|女生)';
// After 打/被…打 these words make a phone call, a meal, a game or a vaccine, not a blow.
const NOT_A_BLOW = '(?!电话|扫|卡|印|针|球|分|开|算|工|听|折|包|车|招呼|击|造|压|断|乱|扰|饭|游|交|闹|架|雷|水|疫|扮|败|激|见|赌|气|量|小报告)';

const cue = (group: CueGroup, source: string, strong = true): RiskCue => {
  const han = /\p{Script=Han}/u.test(source);
  return { group, pattern: new RegExp(source, han ? 'gu' : 'giu'), script: han ? 'han' : 'latin', strong };
};

// Body parts after a blow verb: "抽他的手背", "揪耳朵", "踢肚子" are violence whoever the actor is.
const BODY = '(?:脸|头(?!发型)|脑袋|脑门|后脑|手心|手背|手(?!机|续|工|抄|表|册|套|段|艺|术|指甲|写)|背(?!包|诵|书|课文|单词)|腿|屁股|肚子|耳朵|头发|脖子|眼睛|鼻子|嘴|胳膊|胸口|后背)';
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
  cue('violence', '耳光|巴掌|扇了|打伤|打得(?!好|不错|很好|漂亮|精彩)|打人|殴打|暴打|围殴|群殴|打群架|拳打脚踢|踹了|踢了.{0,3}一脚|往墙上撞|掐痕|针扎|用针|烟头烫|动手打|动手动脚|追打|追着[^，。]{0,4}打|围攻|(?:扭|拧|掰)(?:着|住)?(?:他|她|孩子)?的?(?:胳膊|手臂|手指|手腕)|捂(?:住)?[^，。]{0,4}嘴|掐(?:住)?[^，。]{0,3}脖子|喘不过气|罚跪|跪着|(?:铁棍|钢管|砖头|石头|棍棒|剪刀|打火机|开水)[^，。！？]{0,8}(?:打|砸|烧|戳|烫|泼|追)|体罚.{0,6}(?:晕|伤|肿|血|医院)'),
  cue('violence', '(?:围住|堵住|拦住|逼)[^，。]{0,8}(?:要钱|要东西|交钱)|不给就(?:打|推|揍|踢)|要钱[^。]{0,6}不给'),
  cue('violence', '打架|推搡|动手|欺负', false),
  // injuries and medical emergencies
  cue('injury', '流血|出血|鼻血|满脸是血|一身血|头破|缝了?.{0,3}针|骨折|骨裂|脑震荡|受伤|重伤|伤口|伤痕|昏迷|晕倒|晕过去|昏过去|抽搐|休克|窒息|呼吸困难|喘不上气|送医|送到医院|送去医院|在医院|住院|急诊|抢救|叫救护车|救护车(?!都|也|过不|进不|开不)|中暑|冻伤|烫伤|扎伤|砍伤|捅伤|刺伤|摔伤|肿了|红肿|又红又肿|肿起|青一块紫一块|青紫|淤青|红印|起了?.{0,2}包|划伤|划破|割伤|割破|擦伤|抓痕|磕掉|磕破|拉伤|嘴唇发紫|出冷汗|绞痛|打了?120|癫痫|痉挛|不省人事|口吐白沫|心慌|没有呼吸|没呼吸|烧伤|烧掉|站不起来|疼得厉害|疼得站不|疼得走不|剧痛|茶色|脱水|发抖不止'),
  cue('injury', '坠楼|(?:孩子|学生|同学|人)[^，。！？]{0,4}(?:掉下去|摔下去|摔下来|掉下来|跌下)|从[^，。！？]{1,8}(?:摔|掉|跌)下'),
  cue('injury', '疼|痛|摔', false),
  // food and mass illness
  cue('illness', '食物中毒|中毒|上吐下泻|集体腹泻|集体发烧'),
  cue('illness', '(?:多名|好几个|好多|十几个|几十个|二十多个|上百|一群|很多|集体|全班|半个班|一个班|几个|同学也|同班|其他孩子)[^。！？!?]{0,16}(?:腹泻|拉肚子|呕吐|吐了|吐|发烧|起红疹|红疹|肚子疼|肚子痛|头晕)'),
  cue('illness', '(?:腹泻|拉肚子|呕吐|吐了|一直吐|发烧|红疹|肚子疼|肚子痛)[^。！？!?]{0,16}(?:同学也|好几个|好多|其他孩子|别的孩子|几个孩子|全班|半个班|也这样)'),
  cue('illness', '(?:吃|喝)(?:了|完)[^。！？]{0,12}(?:吐了|呕吐|上吐|拉肚子|腹泻|肚子疼|肚子痛|剧痛|发烧|头晕|起疹|红疹|过敏|送医|医院)'),
  cue('illness', '呕吐|拉肚子|发烧|头晕|一直吐|红疹|想吐', false),
  // a child who cannot be found
  cue('missing', '失踪|走失|走丢|迷路|离家出走|一夜未归|彻夜未归|没回宿舍|找不到(?:孩子|人|她|他|女儿|儿子|妈妈|爸爸|家长|家人)|没回家|没有回家|没回来|没到校|没去学校|(?:孩子|女儿|儿子|学生|人)[^，。]{0,4}不见了|(?:孩子|女儿|儿子|学生)[^，。]{0,6}(?:联系不上|失联)|下落不明|被(?:人)?(?:带走|拐|抱走)|拐卖|拐骗|绑架|骗走|跟踪|引诱|诱骗|诱拐|可疑(?:人员|男子|男人|女人|车辆)|(?:拉|拽|带|抱)(?:她|他|孩子)上车|陌生(?:男|女)?人[^。！？]{0,20}(?:搭话|跟着|拉|带走|拍照|小女孩|女孩|小孩|学生|孩子)'),
  // self-harm
  cue('self_harm', '跳楼|跳河|跳下去|上吊|自杀|自残|割腕|轻生|不想活|活不下去|活着没意思|寻死|想死|死了算了|寻短见|想不开|遗书|遗言|结束生命|结束自己|了结自己|离开这个世界|伤害自己|(?:划|割|烫)自己|吞药|吃了?.{0,3}(?:一整瓶|一瓶|很多)药|安眠药'),
  cue('self_harm', '划痕|抑郁|情绪', false),
  // sexual abuse
  cue('sexual', '性侵|猥亵|强奸|性骚扰|耍流氓|露阴|暴露(?:下体|身体|隐私)|脱(?:了)?裤子|裸照|不雅(?:照|视频)|扒裤子|脱(?:她|他)?的?(?:衣服|裤子)|偷拍|摸(?:她|他)?(?:们)?(?:的)?(?:女生|女孩|身体|隐私|下体|胸|屁股|大腿)|(?:把|叫)(?:女生|女孩)[^。！？]{0,10}摸|亲(?:她|他)的?(?:嘴|脸)|摸(?:她|他)(?:们)?的?(?:头发|脸|手|腿|身上)|单独(?:留下|叫到|带到|叫去)|不要告诉(?:家长|爸妈|父母|别人)|不让(?:她|他)告诉'),
  // buildings that may fall on someone
  cue('structure', '(?:吊灯|灯|吊扇|风扇|天花板|吊顶|空调外机|广告牌|牌子)[^，。！？]{0,10}(?:挂着|悬着|吊着|快掉|要掉|晃晃悠悠|摇摇晃晃)|外墙[^，。]{0,4}(?:鼓包|空鼓)|危房|墙体开裂|(?:墙|楼|房|梁|顶|天花板|教室|宿舍)[^，。！？]{0,6}(?:开裂|裂缝|裂开|裂了|倾斜)|摇摇欲坠|随时.{0,4}(?:塌|倒|掉)|掉下来|砸在|砸到|砸伤|(?:瓷砖|吊顶|天花板|灯管|灯|玻璃|石块|砖|外墙|吊扇|风扇|旗杆|篮球架|广告牌|护栏|栏杆)[^，。！？]{0,8}(?:往下掉|掉下|脱落|坠落|砸|倒下|晃得厉害|松动下垂|下垂)'),
  cue('structure', '开裂|裂缝|松动|晃|锈断|断了', false),
  cue('collapse', '倒塌|坍塌|(?:墙|楼|房|顶|棚|教室|宿舍|看台|天花板|吊顶|屋|桥|台|架)[^，。！？]{0,6}(?:塌了|塌方|垮了|塌下来)'),
  cue('collapse', '塌了|塌方|垮了', false),
  cue('collapse', '倒了', false),
  cue('water', '溺水|淹死|淹着|差点淹|落水|被水冲走|掉进.{0,3}(?:河|水|塘|井|池|粪坑)'),
  cue('fire', '烧焦|烤焦|焦糊味|起火|着火|火灾(?!隐患|演练|预防)|浓烟|烧起来|冒烟|爆炸|燃气泄漏|煤气泄漏|漏气|一氧化碳|漏电|触电|被电|电线露|电线裸露|煤气味|燃气味'),
  cue('fire', '冒火花|焦味|烧黑', false),
  cue('weapon', '持刀|拿刀|拿着刀|带刀|刀子|菜刀|匕首|水果刀|棍子|砍人|捅人|弹弓'),
  cue('vehicle', '喝醉|醉酒|酒后|铁轨(?:边|上|旁)|铁路道口|酒驾|喝了酒|喝酒.{0,4}开车|满嘴酒气|醉驾|超载|忘在车上|锁在车|车祸|翻车|侧翻|撞了|相撞|撞倒|碾|爆胎|刹车失灵|刹车坏|刹车.{0,4}问题|打瞌睡|疲劳驾驶|早该报废|车门[^，。]{0,6}(?:打开|开了|没关)|甩出去|卷到车底|碾压|撞飞|倒车撞|(?:校车|司机)[^。！？]{0,10}(?:闯红灯|超速|飙车|开得飞快|开得很快|打电话|玩手机|疲劳驾驶)'),
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
  cue('structure', "\\b(?:(?:wall|walls|ceiling|building|beam|classroom|floor)[^.!?]{0,25}crack\\w*|crack\\w*[^.!?]{0,25}(?:wall|walls|ceiling|building|beam)|ceiling fell|fell down|falling (?:tiles|bricks|glass|plaster)|tiles? (?:fall|fell|falling)|hanging loose|give way|about to (?:collapse|fall)|could fall on|unsafe building|leaning)\\b"),
  cue('collapse', "\\b(?:collapsed?|collapsing)\\b"),
  cue('water', "\\b(?:drown\\w*|fell into the (?:river|pond|water|reservoir|lake))\\b"),
  cue('fire', "\\b(?:fire(?! extinguisher| exit| safety| drill| door| escape| alarm| hydrant| lane| route| truck)|thick smoke|explosion|gas leak|carbon monoxide|electric shock|electrocut\\w*|exposed wires?|live wires?|smell of gas|gas smell|set fire)\\b"),
  cue('fire', "\\b(?:smoke|sparks?)\\b", false),
  cue('weapon', "\\b(?:knife|knives|stabbed|stab|weapon|machete|gun)\\b"),
  cue('vehicle', "\\b(?:drunk|overloaded|(?:bus|car|van|truck|vehicle)[^.!?]{0,30}(?:crash\\w*|overturn\\w*|rolled over)|crash\\w*[^.!?]{0,20}(?:bus|car|truck|van)|run over|hit by a (?:car|truck|bus|van)|forgot a child|locked in|left on the bus|swerving|fell asleep at the wheel|door opened while|fell out of the bus|thrown from (?:his|her|the) seat|brakes? (?:failed|failure|don't work))\\b"),
  cue('vehicle', "\\b(?:speeding|speeds|red lights?)\\b", false),
  cue('threat', "\\b(?:extort\\w*|kill you|kill him|kill her|beat (?:him|her) up|revenge)\\b"),
  cue('threat', "\\b(?:threaten\\w*)\\b", false),
  cue('abuse', "\\b(?:needles?|tied up|locked (?:him|her|them|a child|children) in|abused (?:him|her|them|my|the|children|kids)|locked (?:in|inside) (?:a|the) (?:toilet|cupboard|closet|room)|locks? [^.!?]{0,30} in (?:a|the) [^.!?]{0,20}(?:room|cupboard|closet|toilet|cellar|basement|cage|box)|shook (?:him|her|my \\w+) so hard)\\b"),
  cue('abuse', "\\b(?:abuse\\w*|stick|starv\\w*)\\b", false),
];

// One alternation per script answers "any cue at all?" in a single pass; most reports have none, and only
// the rest pay for the per-cue scans that tell groups and negations apart.
const ANY_CUE = {
  han: new RegExp(RISK_CUES.filter((c) => c.script === 'han').map((c) => `(?:${c.pattern.source})`).join('|'), 'u'),
  latin: new RegExp(RISK_CUES.filter((c) => c.script === 'latin').map((c) => `(?:${c.pattern.source})`).join('|'), 'iu'),
};

// A clause is where a negation can reach: Chinese and English punctuation, and "but"/"但" which turn the sentence.
const CLAUSE_BREAK = /[，,。.!！?？；;\n]|但是|但|可是|\bbut\b/gu;

// Phrases that contain a negator but do not negate the harm that follows ("没想到被打了", "未成年人被打").
const FALSE_NEGATORS = /没想到|没办法|没人管|没有人管|没人理|没有人理|未成年|无缘无故|无故|无辜|无论|不管/gu;
const ZH_NEGATION = /(?:没有|没|未|无|并未|不是|不会|并非|防止|预防|防|避免)[^，,。！？]{0,4}$/u;
// Hypotheticals reach further than a plain negation: "万一有孩子摔下来受伤" is a worry, not an injury.
const ZH_HYPOTHETICAL = /(?:以免|以防|万一|如果|要是|假如|担心|害怕|容易|可能会|会不会|将来|免得|迟早)[^，,。！？]{0,12}$/u;
const EN_NEGATION = /\b(?:no|not|nobody|none|never|without|didn't|hasn't|haven't|wasn't|weren't|isn't|luckily|prevent\w*|avoid|in case|if|could|might|worried|afraid|before (?:someone|anyone|a child|a kid))\b(?:\W+\w+){0,2}\W*$/i;
// Whole clauses about safety lessons and drills talk about a risk, they do not report one.
const DRILL_CONTEXT = /演练|安全教育|讲座|宣传|知识|主题班会|安全课|逃生|防溺水|\bdrills?\b|\bsafety (?:lessons?|education|classes|training|week)\b|\bawareness\b|\bprevention\b/iu;
// "Nobody was hurt" anywhere in the report disarms injury words and a collapse that already happened...
const NOBODY_HURT = /(?:没有?|无|未)(?:人|孩子|学生|小孩|同学)(?:员)?(?:受伤|伤亡|出事)|未造成(?:人员)?伤亡|还好没有?(?:孩子|人)?(?:受伤|出事)|幸好没有?(?:孩子|人)?(?:受伤|出事)|所幸|\b(?:nobody|no one|no child|no children|no student|no kids?)(?: \w+){0,3} (?:hurt|injured)\b|\bno injuries\b|\bluckily no\b/iu;
// ...but only "no danger" also disarms a crack: "墙体开裂，没有人受伤，但随时可能倒塌" is still urgent.
const NO_DANGER = /没什么大碍|没有大碍|无大碍|并无大碍|已经处理好?了|擦破点皮|小伤|轻微|暂时没有?(?:危险|出事)|没有危险|不危险|暂无危险|暂时安全|\b(?:not dangerous|no danger|no immediate danger|nothing serious|minor (?:scratch|scrape|cut|bruise)|already treated)\b/iu;

// Something that happened at another school, or on the news, is a question, not an emergency here.
const ELSEWHERE = /(?:隔壁|别的|其他|外地|外省)(?:学校|地方|县|市)|新闻(?:上|里)|网上看到|\b(?:another school|other schools|on the news)\b/iu;

export interface RiskHit {
  readonly group: CueGroup;
  readonly text: string;
  readonly strong: boolean;
  /** The cue is negated or hypothetical in its clause. */
  readonly negated: boolean;
  readonly start: number;
  readonly end: number;
}

function clauseBounds(text: string, index: number): { start: number; end: number } {
  let start = 0;
  let end = text.length;
  for (const match of text.matchAll(CLAUSE_BREAK)) {
    const at = match.index;
    if (at < index) start = at + match[0].length;
    else if (at >= index) {
      end = at;
      break;
    }
  }
  return { start, end };
}

/** All risk cues in a normalized text, each marked negated or not. */
export function findRiskCues(normalized: string): RiskHit[] {
  const nobodyHurt = NOBODY_HURT.test(normalized);
  const noDanger = NO_DANGER.test(normalized);
  const hits: RiskHit[] = [];
  const hasHan = /\p{Script=Han}/u.test(normalized) && ANY_CUE.han.test(normalized);
  const hasLatin = /[a-z]/i.test(normalized) && ANY_CUE.latin.test(normalized);
  if (!hasHan && !hasLatin) return hits;
  for (const riskCue of RISK_CUES) {
    if ((riskCue.script === 'han' && !hasHan) || (riskCue.script === 'latin' && !hasLatin)) continue;
    for (const match of normalized.matchAll(riskCue.pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      const clause = clauseBounds(normalized, start);
      const before = normalized.slice(clause.start, start);
      const clauseText = normalized.slice(clause.start, Math.max(clause.end, end));
      const negated =
        ZH_NEGATION.test(before.replace(FALSE_NEGATORS, '_')) ||
        ZH_HYPOTHETICAL.test(before) ||
        EN_NEGATION.test(before) ||
        DRILL_CONTEXT.test(clauseText) ||
        (nobodyHurt && (riskCue.group === 'injury' || riskCue.group === 'collapse')) ||
        (noDanger && (riskCue.group === 'injury' || riskCue.group === 'collapse' || riskCue.group === 'structure')) ||
        ELSEWHERE.test(clauseText);
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
  'weapon', 'vehicle', 'threat', 'abuse',
];

