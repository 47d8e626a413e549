/**
 * Traditional → simplified for the characters residents actually use in complaints (学校, 傷, 燒, 著火, 電線…).
 * Some residents type traditional characters; the examples and the cue lexicons are simplified, so without this
 * "學校實驗室著火了" would reach neither. A hand-made table of about 600 common characters, not a full converter:
 * characters not in it pass through unchanged. One-to-one only, so string offsets never shift.
 */

// Pairs of (traditional, simplified), concatenated.
const PAIRS =
  '學学師师傷伤醫医燒烧著着煙烟濃浓樓楼電电線线塊块頭头臉脸腦脑發发髮发現现開开關关門门車车禍祸斷断氣气燈灯鐵铁輛辆錢钱費费補补課课題题難难說说話话讓让沒没還还這这' +
  '個个們们來来時时對对後后過过經经給给會会處处從从應应該该點点體体場场館馆飯饭飲饮營营養养雞鸡湯汤麵面條条蟲虫髒脏壞坏衛卫廁厕廳厅園园兒儿孫孙媽妈爺爷親亲戲戏歡欢' +
  '樂乐書书寫写讀读語语數数練练試试績绩級级導导訓训機机構构辦办證证錄录報报區区縣县鎮镇鄉乡莊庄貴贵買买賣卖價价錯错誤误貼贴張张號号碼码腫肿紅红暈晕護护嘔呕瀉泻燙烫' +
  '觸触壓压墜坠欄栏牆墙頂顶層层鎖锁綁绑擰拧罰罚餓饿凍冻嚇吓殺杀劃划槍枪騷骚擾扰褻亵脫脱褲裤長长庫库見见蹤踪聯联繫系騙骗帶带駕驾駛驶載载剎刹側侧溝沟魚鱼蝦虾豬猪變变' +
  '質质餿馊廚厨癢痒熱热調调維维滲渗舊旧險险縫缝磚砖賽赛運运動动籃篮許许執执閉闭業业測测習习負负擔担週周轉转戶户態态職职稱称編编資资審审請请問问謝谢讚赞揚扬滿满訴诉' +
  '舉举議议為为麼么樣样嗎吗裡里裏里誰谁幾几兩两萬万億亿當当實实驗验廣广華华東东陽阳風风雲云監监視视頻频網网絡络圖图聲声鐘钟齒齿頸颈腳脚蓋盖膚肤鬥斗爭争罵骂諷讽愛爱' +
  '禮礼購购違违規规懲惩結结覆复復复軟软緊紧幫帮診诊療疗藥药針针輸输檢检驚惊憂忧鬱郁殘残絕绝遺遗憐怜貓猫獸兽鄰邻臺台灣湾歲岁婦妇嬰婴託托連连進进遠远邊边隻只雙双總总' +
  '歷历曬晒溫温濕湿乾干幹干淨净亂乱聽听覺觉認认識识計计劇剧傳传達达種种節节務务員员專专產产農农廠厂團团隊队際际陸陆陳陈劉刘楊杨趙赵吳吴鄭郑馬马黃黄間间聞闻閒闲鬧闹' +
  '鬆松麗丽齊齐與与嚴严夠够夢梦糧粮穩稳積积極极標标準准確确衝冲擊击撲扑摟搂摳抠擋挡擠挤攔拦搶抢掃扫揮挥撐撑據据損损斃毙毀毁滅灭災灾淚泪濺溅漲涨灑洒澆浇燭烛爐炉爛烂' +
  '牽牵獨独猶犹獄狱畫画瘋疯癱瘫盜盗盡尽睜睁瞞瞒礙碍禱祷窩窝竊窃筆笔簡简籠笼糾纠紀纪約约紙纸細细終终組组統统絲丝綠绿緒绪緣缘縮缩繩绳繼继續续罷罢肅肃脅胁膽胆臟脏艙舱' +
  '薦荐蘋苹蝕蚀蠟蜡裝装襪袜覽览觀观訂订記记訪访設设註注詢询詳详誇夸誠诚誘诱談谈諒谅謊谎講讲貝贝財财貨货貧贫責责貸贷賠赔賬账賴赖贈赠趕赶趨趋跡迹蹟迹躍跃軍军輔辅輕轻' +
  '較较輪轮迴回遊游遞递選选遲迟醜丑釋释釘钉鈔钞鉛铅銀银銷销鋼钢錶表鍋锅鍵键鏡镜閃闪閱阅闖闯階阶隨随隱隐雖虽離离靈灵響响頁页項项順顺須须預预領领顆颗額额顏颜願愿類类' +
  '顧顾顯显飛飞餅饼饅馒骯肮魯鲁鳥鸟鹽盐麥麦黨党齡龄龍龙彎弯徑径徵征慣惯憤愤懶懒懷怀懼惧戀恋戰战拋抛掛挂採采換换搖摇擺摆擴扩攝摄敵敌斂敛暫暂曉晓棄弃棟栋樑梁樁桩樹树' +
  '橋桥檔档櫃柜歸归殼壳決决沖冲況况洩泄涼凉減减湧涌滾滚漢汉潔洁潛潜澀涩濟济煩烦燦灿狀状獎奖環环畢毕異异瘡疮盤盘瞭了礎础稅税穀谷窮穷競竞範范築筑簽签糞粪紛纷純纯紋纹' +
  '納纳紐纽紡纺紮扎緩缓繞绕繳缴織织羅罗聖圣聰聪脈脉脹胀膠胶興兴艱艰莖茎蓮莲蔣蒋薑姜藍蓝蘭兰蟻蚁術术製制複复襲袭討讨訝讶訟讼評评詞词詩诗論论諸诸謀谋謂谓謠谣譜谱豈岂' +
  '豐丰貫贯貿贸賀贺贏赢軌轨輩辈轎轿辭辞郵邮釣钓鈴铃鍛锻鑰钥閣阁闆板陣阵陰阴雜杂靜静韓韩頒颁頓顿頗颇颱台飄飘飼饲飽饱餵喂餘余騎骑驅驱驕骄鮮鲜鴨鸭鵝鹅';

const TABLE: ReadonlyMap<string, string> = (() => {
  const table = new Map<string, string>();
  const chars = Array.from(PAIRS);
  for (let i = 0; i + 1 < chars.length; i += 2) table.set(chars[i]!, chars[i + 1]!);
  return table;
})();

// Every character in the table is in the BMP, so no `u` flag (unicode-mode classes cost more to compile).
const TRADITIONAL = new RegExp(`[${[...TABLE.keys()].join('')}]`, 'g');

/** The text with common traditional characters replaced by their simplified forms. */
export function toSimplified(text: string): string {
  return text.replace(TRADITIONAL, (char) => TABLE.get(char) ?? char);
}
