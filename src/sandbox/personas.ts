import type { ChatRegistration, UserSpec } from '../emulator/bot-api-emulator.ts';

/**
 * The people in the sandbox's simulated Telegram: residents who write to the bot in private chats, and
 * a staff member in the bureau's staff group. The page lets a visitor act as any of them.
 */

export interface Persona {
  /** Stable key the page uses in its URL hash (`#staff`). */
  key: string;
  role: 'resident' | 'staff' | 'unit';
  user: UserSpec;
  /** The chat this persona writes in: their private chat with the bot, or the staff group. */
  chatId: number;
  /** One line under the name in the page's chat list. */
  about: string;
  /** Ready-made messages the page offers as one-click chips, so a first visit needs no typing. */
  suggestions: string[];
  /** A unit's group: its title, and the directory units it is bound to when the sandbox starts. */
  group?: { title: string; units: string[] };
}

/** 实验小学's own group (a unit chat, issue 13): dispatches from the bureau arrive here to be signed for. */
export const SANDBOX_UNIT_GROUP = {
  id: -1_000_000_000_002,
  type: 'supergroup',
  title: '实验小学 · 校务工作群',
  botIsAdmin: true,
} as const satisfies ChatRegistration;

/**
 * Other units' own groups in the seeded history (issue 13), bound like 实验小学's: their problems go round the units'
 * loop, so /ranking and the digest compare units that sign for dispatches with units the bureau handles alone. The
 * page does not show them; the emulator knows them, so that what the bot posts there (督办, weekly lines) is accepted.
 */
export const SEEDED_UNIT_GROUPS: ReadonlyArray<ChatRegistration & { units: readonly string[]; principalId: number }> = [
  { id: -1_000_000_000_011, type: 'supergroup', title: '第一中学 · 校务工作群', botIsAdmin: true, units: ['第一中学'], principalId: 9_300_011 },
  { id: -1_000_000_000_012, type: 'supergroup', title: '第二中学 · 校务工作群', botIsAdmin: true, units: ['第二中学'], principalId: 9_300_012 },
  { id: -1_000_000_000_013, type: 'supergroup', title: '和平路小学 · 校务工作群', botIsAdmin: true, units: ['和平路小学'], principalId: 9_300_013 },
  { id: -1_000_000_000_014, type: 'supergroup', title: '文苑小学 · 校务工作群', botIsAdmin: true, units: ['文苑小学'], principalId: 9_300_014 },
  { id: -1_000_000_000_015, type: 'supergroup', title: '区第一幼儿园 · 园务工作群', botIsAdmin: true, units: ['区第一幼儿园'], principalId: 9_300_015 },
  { id: -1_000_000_000_016, type: 'supergroup', title: '区体育馆 · 工作群', botIsAdmin: true, units: ['区体育馆'], principalId: 9_300_016 },
];

/** The bureau's staff group: a supergroup in which the bot is an admin, so it sees replies and mentions. */
export const SANDBOX_STAFF_GROUP = {
  id: -1_000_000_000_001,
  type: 'supergroup',
  title: '区教体局 · 群众意见工作群',
  botIsAdmin: true,
} as const satisfies ChatRegistration;

/** The bot's identity in the sandbox; its id is the number before the colon of the sandbox token. */
export const SANDBOX_BOT = { first_name: '民意 Minyi', username: 'minyi_sandbox_bot' } as const;
export const SANDBOX_TOKEN = '7000000001:sandbox-not-a-telegram-token';

// Ids far from anything a seeded resident gets, so live chats never meet seeded history.
export const PERSONAS: readonly Persona[] = [
  {
    key: 'wang',
    role: 'resident',
    user: { id: 9_100_001, first_name: '王丽华', language_code: 'zh-hans' },
    chatId: 9_100_001,
    about: '实验小学学生家长',
    suggestions: [
      '/start',
      '实验小学食堂的饭菜经常是凉的，孩子说菜里还吃出过头发，希望管一管',
      '学校要求家长统一在指定书店买教辅，一套三百多元，这合理吗？',
      '/my',
    ],
  },
  {
    key: 'li',
    role: 'resident',
    user: { id: 9_100_002, first_name: '李建国', language_code: 'zh-hans' },
    chatId: 9_100_002,
    about: '东城街道居民，常去区体育馆',
    suggestions: [
      '/start',
      '区体育馆的篮球场晚上八点就关灯了，下班后根本打不了球',
      '区游泳馆更衣室的淋浴坏了两个星期了，一直没人修',
      '表扬一下第一中学门口的护学岗，每天早上都有老师和志愿者在',
    ],
  },
  {
    key: 'zhang',
    role: 'resident',
    user: { id: 9_100_003, first_name: '张晓雨', language_code: 'zh-hans' },
    chatId: 9_100_003,
    about: '第二中学初二学生',
    suggestions: [
      '/start',
      '二中每天作业要写到晚上十一点多，周末还要补课',
      '今天二中操场有校外的人翻墙进来，还跟同学要钱，太吓人了',
    ],
  },
  {
    key: 'emma',
    role: 'resident',
    user: { id: 9_100_004, first_name: 'Emma', last_name: 'Clarke', language_code: 'en' },
    chatId: 9_100_004,
    about: 'Parent, writes in English',
    suggestions: [
      '/start',
      'The crossing outside Experimental Primary School has no crossing guard in the morning and cars do not stop.',
      'How do we apply for a kindergarten place for a child who moved here this year?',
      '/lang',
    ],
  },
  {
    key: 'principal',
    role: 'unit',
    user: { id: 9_300_001, first_name: '刘志强', language_code: 'zh-hans' },
    chatId: SANDBOX_UNIT_GROUP.id,
    about: '实验小学校长（本校工作群，已绑定实验小学）',
    suggestions: ['/help', '/problems', '/ranking month', '/export 30d'],
    group: { title: SANDBOX_UNIT_GROUP.title, units: ['实验小学'] },
  },
  {
    key: 'staff',
    role: 'staff',
    user: { id: 9_200_001, first_name: '陈敏', language_code: 'zh-hans' },
    chatId: SANDBOX_STAFF_GROUP.id,
    about: '教体局工作人员（工作群）',
    suggestions: ['/help', '/problems', '/summary 7d', '/ranking month', '/digest', '/export 30d'],
  },
];
