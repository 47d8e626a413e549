import { seededRandom } from '../domain/random.ts';
import type { App } from '../app.ts';
import { loadExamples, type LabelledExample } from '../classify/offline/examples.ts';
import type { Actor, Problem } from '../problems/problem.ts';
import type { FixedAnswer } from '../desk/problem-desk.ts';
import { RETURN_REASONS, type ReturnReason } from '../replies/unit-views.ts';
import { createUnitChats } from '../units/unit-chats.ts';
import type { Unit } from '../units/unit-directory.ts';
import { privateTextUpdate } from './offline-telegram.ts';
import { HOUR, DAY } from '../domain/time.ts';

/**
 * A district's weeks of activity, simulated through the real app: residents write to the bot (updates
 * fed to `app.bot.handleUpdate`, classified and grouped by the real pipeline), staff act on problems
 * through the real desk, residents answer the "is it fixed?" survey. Some units answer within hours and
 * fix things; some are slow and leave problems overdue; a few matters are reported by many residents
 * (widespread) or come back after being fixed (recurring); some reports are urgent; near the end one matter is
 * reported at several schools within days (a district-wide theme, 一类问题). Units with their own chat (issue 13)
 * take part: they sign for dispatches (or return them with a reason, and the bureau re-assigns), ask for extensions the
 * bureau approves or refuses, report progress and send their result to the bureau's review, which may send it back.
 *
 * Deterministic for a seed: the same seed, start and options give the same database. Time comes from
 * the clock the app was created with; the simulation moves it forward and leaves it at the end.
 */

/** The app's clock, moved by the simulation. */
export interface SimulationClock {
  now(): number;
  set(ms: number): void;
}

/** A clock that stands still at `start` until set; `release()` hands it back to real time. */
export function createSimulationClock(start: number): SimulationClock & { release(): void } {
  let fixed: number | undefined = start;
  return {
    now: () => fixed ?? Date.now(),
    set: (ms) => void (fixed = ms),
    release: () => void (fixed = undefined),
  };
}

export interface SimulationOptions {
  weeks: number;
  seed: number;
  /** The clock the app was created with (createApp({ now: clock.now })); the simulation starts at its time. */
  clock: SimulationClock;
  /** Reports on an average weekday (default 22; weekends are quieter). */
  reportsPerDay?: number;
  /** How many residents write (default 260). */
  residents?: number;
  /** Residents' Telegram ids are userIdBase + 1, + 2, … (default 8_000_000, clear of real and sandbox ids). */
  userIdBase?: number;
  /** Update ids are updateIdBase + 1, + 2, … (default 1_500_000_000). */
  updateIdBase?: number;
  /** The staff member who acts on problems (default 9_900_001). */
  staffUserId?: number;
  examples?: readonly LabelledExample[];
  /** Called after each simulated day. */
  onDay?: (day: number, days: number) => void;
  /**
   * Units' own chats (issue 13), bound when the history starts through the real one-time code. Problems of their
   * units go round the units' loop through the unit desk; the others are handled by the bureau alone. Default: none.
   */
  unitChats?: ReadonlyArray<{ chatId: number; units: readonly string[]; userId: number }>;
}

export interface SimulationSummary {
  from: number;
  to: number;
  reports: number;
  problems: number;
  staffActions: number;
  /** Actions taken in units' chats: sign-for, return (and its note), extension request, progress, result. */
  unitActions: number;
  surveyAnswers: number;
}

type Tier = 'prompt' | 'steady' | 'slow';

interface TierBehaviour {
  /** Chance staff act on a new problem at all, and how many hours it takes. */
  respond: number;
  respondHours: [number, number];
  /** Chance an assigned problem gets resolved, and how many days it takes. */
  resolve: number;
  resolveDays: [number, number];
  /** fixed, partly, not fixed. */
  answers: [number, number, number];
  /** Weights of ratings 1–5. */
  ratings: [number, number, number, number, number];
  /** A unit with its own chat: chance it signs for a dispatch at all, and after how many hours. */
  sign: number;
  signHours: [number, number];
  /** Chance it returns a dispatch instead (not ours, wrong unit, duplicate). */
  giveBack: number;
  /** Chance it asks for more time while handling a problem. */
  extend: number;
  /** Chance the bureau approves its result at a review. */
  passReview: number;
}

const BEHAVIOUR: Record<Tier, TierBehaviour> = {
  prompt: {
    respond: 0.99, respondHours: [1, 9], resolve: 0.97, resolveDays: [1, 3], answers: [0.8, 0.15, 0.05], ratings: [0, 0.02, 0.08, 0.3, 0.6],
    sign: 1, signHours: [0.2, 5], giveBack: 0.05, extend: 0.08, passReview: 0.9,
  },
  steady: {
    respond: 0.95, respondHours: [6, 34], resolve: 0.9, resolveDays: [2, 6], answers: [0.55, 0.3, 0.15], ratings: [0.05, 0.1, 0.25, 0.35, 0.25],
    sign: 0.96, signHours: [2, 30], giveBack: 0.08, extend: 0.15, passReview: 0.8,
  },
  slow: {
    respond: 0.85, respondHours: [20, 96], resolve: 0.6, resolveDays: [5, 14], answers: [0.25, 0.3, 0.45], ratings: [0.25, 0.25, 0.25, 0.15, 0.1],
    sign: 0.85, signHours: [12, 72], giveBack: 0.12, extend: 0.3, passReview: 0.6,
  },
};

/** Which bureau office takes a problem that names no unit. */
const OFFICE_FOR: Record<string, string> = {
  enrollment: 'zsb',
  fees: 'cwk',
  teacher_conduct: 'rsk',
  campus_safety: 'aqk',
  food: 'jjk',
  study_burden: 'jjk',
  facilities: 'jjk',
  transport: 'aqk',
  off_campus_training: 'xwpx',
  sports: 'tyk',
  admin_service: 'bgs',
  other: 'bgs',
};
const SCHOOL_CATEGORIES = new Set(['enrollment', 'fees', 'teacher_conduct', 'campus_safety', 'food', 'study_burden', 'facilities', 'transport']);
const SCHOOL_TYPES = new Set(['middle_school', 'primary_school', 'town_school', 'kindergarten']);
const ZH_LEADS = ['{unit}', '{unit}家长反映：', '关于{unit}：', '{unit}，', '我孩子在{unit}，'];
const ZH_AGAIN = ['又出现了：', '同样的问题又来了，', '上次说解决了，现在又这样：'];
const ZH_ME_TOO = ['', '我也反映一下，', '同样的情况：', '我们班也是，', '附议：', '确实如此，'];
/** Subtopics the sample's district-wide theme is drawn from, the first with enough labelled examples. */
const THEME_SUBTOPICS = ['study_burden.homework', 'food.quality_temperature', 'facilities.heating_cooling'];
const RESOLVE_NOTES = ['已核实并整改完毕', '已责成学校整改，现已落实', '已约谈负责人并完成整改', '已处理，后续将加强检查'];
// What units write in their own chat (issue 13).
const PROGRESS_NOTES = ['已安排专人核实，正在整改', '已与家长沟通了解情况，正在处理', '已报修，等待维修人员上门', '已召开专题会研究整改方案'];
const RESULT_NOTES = ['已整改完毕，并加强日常巡查', '已与反映人沟通并落实整改措施', '已更换损坏设施，经复查运行正常', '已对相关人员批评教育，并建立长效机制'];
const EXTEND_NOTES = ['需要采购配件，到货约一周', '涉及维修工程，需走采购程序', '需与相关部门协调，时间较长', '整改经费正在审批'];
const REJECT_NOTES = ['整改说明过于简单，请补充具体措施', '居民反映问题仍然存在，请再次核实', '请说明后续如何防止再次发生'];
const RETURN_NOTES: Record<ReturnReason, string> = {
  not_ours: '此事不属于本校职责范围，建议转相关科室办理',
  wrong_unit: '反映的不是本校，请核实后改派',
  duplicate: '与本校正在办理的问题相同',
};

/** Seeded choices: the same district everywhere for a seed. */
function random(seed: number) {
  const next = seededRandom(seed);
  const between = (min: number, max: number) => min + (max - min) * next();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const weighted = <T>(items: readonly T[], weights: readonly number[]): T => {
    const total = weights.reduce((s, w) => s + w, 0);
    let r = next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i]!;
      if (r < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  };
  const poisson = (mean: number) => {
    // Knuth's method; the means here are small.
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = next(); p > limit; p *= next()) k++;
    return k;
  };
  const shuffle = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  };
  return { next, between, pick, weighted, poisson, shuffle, chance: (p: number) => next() < p };
}

interface Resident {
  userId: number;
  name: string;
  languageCode: 'zh-hans' | 'en';
}

type SimEvent =
  | { at: number; kind: 'report'; resident: Resident; text: string }
  | { at: number; kind: 'review'; problemId: number }
  | { at: number; kind: 'progress'; problemId: number }
  | { at: number; kind: 'resolve'; problemId: number }
  | { at: number; kind: 'answer'; reportId: number; residentId: number; fixed: FixedAnswer; rating: number | undefined }
  | { at: number; kind: 'recur'; problemId: number }
  // The units' loop (issue 13): in the unit's chat, then the bureau's decisions.
  | { at: number; kind: 'unit-sign'; problemId: number }
  | { at: number; kind: 'unit-return'; problemId: number; reason: ReturnReason }
  | { at: number; kind: 'reassign'; problemId: number; reason: ReturnReason; from: string }
  | { at: number; kind: 'unit-extend'; problemId: number }
  | { at: number; kind: 'decide-extension'; requestId: number }
  | { at: number; kind: 'unit-progress'; problemId: number }
  | { at: number; kind: 'unit-submit'; problemId: number }
  | { at: number; kind: 'decide-review'; requestId: number; problemId: number };

/**
 * Run `options.weeks` weeks of activity from the clock's current time (a Monday 00:00 makes them calendar weeks).
 * The app must be created with `now: options.clock.now`, with its pipeline and outbox sender started.
 */
export async function simulateActivity(app: App, options: SimulationOptions): Promise<SimulationSummary> {
  const rng = random(options.seed);
  const { clock } = options;
  const from = clock.now();
  const to = from + options.weeks * 7 * DAY;
  const staffUserId = options.staffUserId ?? 9_900_001;
  const staff: Actor = { type: 'staff', userId: staffUserId };
  const examples = options.examples ?? loadExamples();
  const units = app.units.all();
  const summary: SimulationSummary = { from, to, reports: 0, problems: 0, staffActions: 0, unitActions: 0, surveyAnswers: 0 };

  // Units' own chats, bound as the bureau binds them: a one-time code issued by staff, redeemed in the unit's chat.
  const unitChats = createUnitChats(app.db);
  const principals = new Map<number, number>();
  for (const chat of options.unitChats ?? []) {
    const unitIds = chat.units.map((name) => app.units.resolve(name)?.id).filter((id): id is string => id !== undefined);
    principals.set(chat.chatId, chat.userId);
    if (unitIds.length > 0 && !unitChats.isUnitChat(chat.chatId)) unitChats.redeem(unitChats.issueCode(unitIds, staffUserId, from), chat.chatId, from);
  }

  // Units' habits: a few answer within hours, a few are slow, most are in between.
  const tiers = new Map<string, Tier>();
  const shuffled = rng.shuffle(units);
  shuffled.forEach((unit, i) => tiers.set(unit.id, i < shuffled.length * 0.3 ? 'prompt' : i < shuffled.length * 0.5 ? 'slow' : 'steady'));
  const tierOf = (unitId: string | null) => (unitId ? (tiers.get(unitId) ?? 'steady') : 'steady');

  // Some schools draw far more reports than others.
  const schools = units.filter((u) => SCHOOL_TYPES.has(u.type));
  const schoolWeights = schools.map(() => 0.3 + rng.next() * rng.next() * 4);
  const venues = units.filter((u) => u.type === 'venue');

  const residents: Resident[] = Array.from({ length: options.residents ?? 260 }, (_, i) => ({
    userId: (options.userIdBase ?? 8_000_000) + i + 1,
    name: `居民${i + 1}`,
    languageCode: i % 6 === 5 ? 'en' : 'zh-hans',
  }));
  const zhResidents = residents.filter((r) => r.languageCode !== 'en');
  const enResidents = residents.filter((r) => r.languageCode === 'en');
  const isEnglish = (text: string) => /^[\x20-\x7e\u2018-\u201d]+$/.test(text.slice(0, 40));
  // Examples are dealt like cards, so the same text does not come back from another resident within days.
  const deck = (items: readonly LabelledExample[]) => {
    let cards: LabelledExample[] = [];
    return () => {
      if (cards.length === 0) cards = rng.shuffle(items);
      return cards.pop()!;
    };
  };
  const plain = examples.filter((e) => !e.urgent);
  const nextPlain = deck(plain);
  const nextUrgent = deck(examples.filter((e) => e.urgent));

  const events: SimEvent[] = [];
  const schedule = (event: SimEvent) => {
    if (event.at >= to) return;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.at <= event.at) lo = mid + 1;
      else hi = mid;
    }
    events.splice(lo, 0, event);
  };

  const unitLabel = (unit: Unit, english: boolean) => {
    const englishAliases = unit.aliases.filter((a) => /^[A-Za-z]/.test(a));
    if (english) return englishAliases.length > 0 ? rng.pick(englishAliases) : undefined;
    const chinese = unit.aliases.filter((a) => !/^[A-Za-z]/.test(a));
    return rng.chance(0.7) || chinese.length === 0 ? unit.name : rng.pick(chinese);
  };

  /** A resident's message built from a labelled example, naming a unit where the example names none. */
  function composeReport(example: LabelledExample): { text: string; resident: Resident } {
    const english = isEnglish(example.text);
    const resident = rng.pick(english && enResidents.length > 0 ? enResidents : zhResidents);
    let text = example.text;
    if (!example.unit) {
      const unit = SCHOOL_CATEGORIES.has(example.category) && rng.chance(0.85)
        ? rng.weighted(schools, schoolWeights)
        : example.category === 'sports' && rng.chance(0.8)
          ? rng.pick(venues)
          : undefined;
      const label = unit && unitLabel(unit, english);
      if (label) text = english ? `${label}: ${text}` : rng.pick(ZH_LEADS).replace('{unit}', label) + text;
    }
    return { text, resident };
  }

  // Everyday reports: weekdays busier than weekends, a little more each week.
  const perDay = options.reportsPerDay ?? 22;
  for (let day = 0; day < options.weeks * 7; day++) {
    const weekday = day % 7;
    const factor = (weekday === 5 ? 0.6 : weekday === 6 ? 0.5 : 1) * (0.8 + (0.4 * day) / (options.weeks * 7));
    const count = rng.poisson(perDay * factor);
    for (let i = 0; i < count; i++) {
      const example = rng.chance(0.05) ? nextUrgent() : nextPlain();
      const { text, resident } = composeReport(example);
      schedule({ at: from + day * DAY + Math.round(rng.between(7.5, 22.5) * HOUR), kind: 'report', resident, text });
    }
  }

  // Widespread matters: one school, one complaint, many parents within two days — every other week and in the last one.
  const widespreadWeeks = new Set([...Array.from({ length: options.weeks }, (_, w) => w).filter((w) => w % 2 === 1), options.weeks - 1]);
  for (const week of widespreadWeeks) {
    const example = rng.pick(plain.filter((e) => !e.unit && (e.category === 'food' || e.category === 'facilities' || e.category === 'transport') && !isEnglish(e.text)));
    const unit = rng.weighted(schools, schoolWeights);
    const start = from + week * 7 * DAY + Math.round(rng.between(0, 4) * DAY + 8 * HOUR);
    const parents = rng.shuffle(zhResidents).slice(0, 5 + Math.floor(rng.next() * 4));
    parents.forEach((resident, i) => {
      const text = `${rng.pick(ZH_ME_TOO)}${unit.name}${rng.pick(['的', '，', '：'])}${example.text}`;
      schedule({ at: start + i * Math.round(rng.between(1, 6) * HOUR), kind: 'report', resident, text });
    });
  }

  // A district-wide theme (一类问题): the same matter (one subtopic) at four schools within a few days, in the
  // history's last ten days, so /themes, the alert and the digest have one to show.
  const themeExamples = THEME_SUBTOPICS.map((id) => plain.filter((e) => e.subtopic === id && !e.unit && !isEnglish(e.text))).find((list) => list.length >= 6);
  if (themeExamples) {
    const start = Math.max(from, to - Math.round(rng.between(7, 9) * DAY));
    const texts = rng.shuffle(themeExamples);
    rng.shuffle(schools).slice(0, 4).forEach((unit, i) => {
      for (let k = 0; k <= i % 2; k++) {
        const text = rng.pick(ZH_LEADS).replace('{unit}', unit.name) + texts[(2 * i + k) % texts.length]!.text;
        schedule({ at: start + Math.round((1.4 * i + 0.5 * k) * DAY + rng.between(8, 20) * HOUR), kind: 'report', resident: rng.pick(zhResidents), text });
      }
    });
  }

  const reviewed = new Set<number>();
  let updateId = options.updateIdBase ?? 1_500_000_000;
  let messageId = 1;
  const reportAt = app.db.prepare('SELECT id, problem_id AS problemId FROM reports WHERE chat_id = ? AND message_id = ?');
  const firstComplaint = app.db.prepare(`SELECT text FROM reports WHERE problem_id = ? AND text IS NOT NULL AND kind = 'complaint' ORDER BY id LIMIT 1`).pluck();
  const unanswered = app.db.prepare(
    `SELECT f.report_id AS reportId, r.resident_id AS residentId FROM feedback f JOIN reports r ON r.id = f.report_id
     WHERE f.problem_id = ? AND f.fixed IS NULL AND r.resident_id IS NOT NULL`,
  );
  const problemCount = app.db.prepare('SELECT COUNT(*) FROM problems WHERE created_at >= ? AND created_at < ?').pluck();
  // The request a unit just made (read only: the bureau's buttons carry its id).
  const lastRequest = app.db.prepare('SELECT id FROM unit_requests WHERE problem_id = ? AND kind = ? ORDER BY id DESC LIMIT 1').pluck();

  const behaviourFor = (problemId: number) => {
    const problem = app.problems.get(problemId);
    const unitId = problem ? (problem.responsibleUnitId ?? problem.unitId ?? OFFICE_FOR[problem.category] ?? null) : null;
    return { problem, unitId, behaviour: BEHAVIOUR[tierOf(unitId)] };
  };

  /** The unit's chat and its principal, when the problem's responsible unit has a chat. */
  function unitSide(problemId: number): { problem: Problem; chatId: number; userId: number } | undefined {
    const problem = app.problems.get(problemId);
    const chatId = problem?.responsibleUnitId ? unitChats.chatsOf(problem.responsibleUnitId)[0] : undefined;
    return problem && chatId !== undefined ? { problem, chatId, userId: principals.get(chatId) ?? staffUserId } : undefined;
  }

  /**
   * Just assigned to a unit with its own chat: it signs for the dispatch within its usual hours and handles it, or
   * returns it; a few never sign (the ladder reminds them). False when the unit has no chat: the bureau handles it.
   */
  function planDispatch(problemId: number, at: number): boolean {
    const side = unitSide(problemId);
    if (!side) return false;
    const { behaviour, unitId } = behaviourFor(problemId);
    const hours = rng.between(...behaviour.signHours) / (side.problem.urgent ? (tierOf(unitId) === 'slow' ? 1.5 : 4) : 1);
    const signAt = at + Math.round(hours * HOUR);
    if (rng.chance(behaviour.giveBack)) {
      schedule({ at: signAt, kind: 'unit-return', problemId, reason: rng.pick(RETURN_REASONS) });
    } else if (rng.chance(behaviour.sign)) {
      schedule({ at: signAt, kind: 'unit-sign', problemId });
      planResolution(problemId, signAt);
    }
    return true;
  }

  /** A unit with its own chat handles the problem: progress, perhaps an extension, then its result to the bureau. */
  function planUnitWork(problemId: number, at: number): void {
    const { behaviour } = behaviourFor(problemId);
    if (!rng.chance(behaviour.resolve)) return;
    let days = rng.between(...behaviour.resolveDays);
    if (rng.chance(behaviour.extend)) {
      schedule({ at: at + Math.round(rng.between(0.2, 0.5) * days * DAY), kind: 'unit-extend', problemId });
      days *= 1.6;
    }
    if (days > 1.5) schedule({ at: at + Math.round(rng.between(0.2, 0.6) * days * DAY), kind: 'unit-progress', problemId });
    schedule({ at: at + Math.round(days * DAY), kind: 'unit-submit', problemId });
  }

  /** Resolved: residents answer the survey over the next day or so; now and then the matter comes back. */
  function planAfterResolved(problemId: number, at: number): void {
    const { behaviour } = behaviourFor(problemId);
    for (const { reportId, residentId } of unanswered.all(problemId) as Array<{ reportId: number; residentId: number }>) {
      if (!rng.chance(0.8)) continue;
      const fixed = rng.weighted<FixedAnswer>(['fixed', 'partly', 'not_fixed'], behaviour.answers);
      const rating = rng.chance(0.9) ? rng.weighted([1, 2, 3, 4, 5], behaviour.ratings) : undefined;
      schedule({ at: at + Math.round(rng.between(1, 30) * HOUR), kind: 'answer', reportId, residentId, fixed, rating });
    }
    if (rng.chance(0.06)) schedule({ at: at + Math.round(rng.between(3, 12) * DAY), kind: 'recur', problemId });
  }

  function planResolution(problemId: number, at: number): void {
    if (unitSide(problemId)) return planUnitWork(problemId, at);
    const { behaviour } = behaviourFor(problemId);
    if (!rng.chance(behaviour.resolve)) return;
    const days = rng.between(...behaviour.resolveDays);
    if (days > 1.5) schedule({ at: at + Math.round(rng.between(0.2, 0.6) * days * DAY), kind: 'progress', problemId });
    schedule({ at: at + Math.round(days * DAY), kind: 'resolve', problemId });
  }

  /**
   * Wait for the pipeline and the outbox. With the clock standing still, a report the pipeline put off
   * until later would never be taken up again: fail with a message rather than wait forever.
   */
  async function settle(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`simulation: the app did not settle within a minute (${app.reports.pendingCount()} reports waiting); see its log`)), 60_000);
      timer.unref();
    });
    try {
      await Promise.race([app.runner.settle(), stuck]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function handle(event: SimEvent): Promise<void> {
    switch (event.kind) {
      case 'report': {
        const id = messageId++;
        const { resident } = event;
        await app.bot.handleUpdate(
          privateTextUpdate({ updateId: ++updateId, messageId: id, userId: resident.userId, firstName: resident.name, languageCode: resident.languageCode, text: event.text, at: event.at }),
        );
        await settle();
        summary.reports++;
        const row = reportAt.get(resident.userId, id) as { id: number; problemId: number | null } | undefined;
        const problem = row?.problemId ? app.problems.get(row.problemId) : undefined;
        if (!problem) return;
        if (!reviewed.has(problem.id)) {
          reviewed.add(problem.id);
          const { unitId, behaviour } = behaviourFor(problem.id);
          if (!rng.chance(behaviour.respond)) return;
          // Urgent problems are taken up sooner, though the slow units are slow with those too.
          const hours = rng.between(...behaviour.respondHours) / (problem.urgent ? (tierOf(unitId) === 'slow' ? 1.5 : 4) : 1);
          schedule({ at: event.at + Math.round(hours * HOUR), kind: 'review', problemId: problem.id });
        } else if (problem.recurring && problem.recurringAt === event.at) {
          // It came back: staff take it up again.
          planResolution(problem.id, event.at + Math.round(rng.between(2, 30) * HOUR));
        }
        return;
      }
      case 'review': {
        const { problem, unitId } = behaviourFor(event.problemId);
        if (!problem || problem.mergedInto !== null || problem.status !== 'new' || !unitId) return;
        if (problem.category === 'other' && rng.chance(0.6)) {
          if (app.desk.close(problem.id, 'no_action_possible', staff).ok) summary.staffActions++;
          return;
        }
        if (!app.desk.assign(problem.id, unitId, null, staff).ok) return;
        summary.staffActions++;
        if (!planDispatch(problem.id, event.at)) planResolution(problem.id, event.at);
        return;
      }
      case 'progress': {
        const problem = app.problems.get(event.problemId);
        if (problem?.status === 'assigned' && app.desk.setStatus(problem.id, 'in_progress', staff).ok) summary.staffActions++;
        return;
      }
      case 'resolve': {
        const problem = app.problems.get(event.problemId);
        if (!problem || (problem.status !== 'assigned' && problem.status !== 'in_progress')) return;
        if (!app.desk.resolve(problem.id, rng.pick(RESOLVE_NOTES), staff).ok) return;
        summary.staffActions++;
        planAfterResolved(problem.id, event.at);
        return;
      }
      case 'answer': {
        const result = app.desk.answerSurvey(event.reportId, event.residentId, { fixed: event.fixed, ...(event.rating !== undefined && { rating: event.rating }) });
        if (!result.success) return;
        summary.surveyAnswers++;
        await settle();
        // Reopened: the unit tries again.
        if (result.data.reopened) planResolution(result.data.problemId, event.at);
        return;
      }
      case 'recur': {
        const text = firstComplaint.get(event.problemId) as string | undefined;
        if (!text) return;
        const english = isEnglish(text);
        const resident = rng.pick(english && enResidents.length > 0 ? enResidents : zhResidents);
        schedule({ at: event.at, kind: 'report', resident, text: english ? `Again: ${text}` : `${rng.pick(ZH_AGAIN)}${text}` });
        return;
      }
      case 'unit-sign': {
        const side = unitSide(event.problemId);
        if (side && app.unitDesk.sign(event.problemId, side.chatId, side.userId).ok) summary.unitActions++;
        return;
      }
      case 'unit-return': {
        const side = unitSide(event.problemId);
        const from = side?.problem.responsibleUnitId;
        if (!side || !from || !app.unitDesk.giveBack(event.problemId, side.chatId, side.userId, event.reason).ok) return;
        summary.unitActions++;
        if (rng.chance(0.7) && app.unitDesk.returnNote(event.problemId, side.chatId, side.userId, RETURN_NOTES[event.reason]).ok) summary.unitActions++;
        schedule({ at: event.at + Math.round(rng.between(2, 20) * HOUR), kind: 'reassign', problemId: event.problemId, reason: event.reason, from });
        return;
      }
      case 'reassign': {
        const problem = app.problems.get(event.problemId);
        if (!problem || problem.mergedInto !== null || problem.status !== 'new') return;
        if (event.reason === 'duplicate') {
          if (app.desk.close(problem.id, 'duplicate', staff).ok) summary.staffActions++;
          return;
        }
        // Wrong school: the bureau finds the right one; not a school's matter: the bureau's office for it.
        const others = schools.filter((u) => u.id !== event.from);
        const unitId = event.reason === 'wrong_unit' && others.length > 0 ? rng.pick(others).id : (OFFICE_FOR[problem.category] ?? 'bgs');
        if (!app.desk.assign(problem.id, unitId, null, staff).ok) return;
        summary.staffActions++;
        if (!planDispatch(problem.id, event.at)) planResolution(problem.id, event.at);
        return;
      }
      case 'unit-extend': {
        const side = unitSide(event.problemId);
        if (!side) return;
        const deadlineAt = Math.max(side.problem.deadlineAt ?? event.at, event.at) + Math.round(rng.between(3, 10)) * DAY;
        if (!app.unitDesk.requestExtension(event.problemId, side.chatId, side.userId, deadlineAt, rng.pick(EXTEND_NOTES)).ok) return;
        summary.unitActions++;
        const requestId = lastRequest.get(event.problemId, 'extend') as number;
        schedule({ at: event.at + Math.round(rng.between(2, 30) * HOUR), kind: 'decide-extension', requestId });
        return;
      }
      case 'decide-extension': {
        if (app.unitDesk.decideExtension(event.requestId, rng.chance(0.7), staffUserId).ok) summary.staffActions++;
        return;
      }
      case 'unit-progress': {
        const side = unitSide(event.problemId);
        if (side?.problem.status === 'assigned' && app.unitDesk.progress(event.problemId, side.chatId, side.userId, rng.pick(PROGRESS_NOTES)).ok) summary.unitActions++;
        return;
      }
      case 'unit-submit': {
        const side = unitSide(event.problemId);
        if (!side) return;
        const result = app.unitDesk.submit(event.problemId, side.chatId, side.userId, rng.pick(RESULT_NOTES));
        if (!result.ok) return;
        summary.unitActions++;
        // UNIT_REVIEW=off: resolved at once, residents surveyed.
        if (result.value === 'resolved') return planAfterResolved(event.problemId, event.at);
        const requestId = lastRequest.get(event.problemId, 'submit') as number;
        schedule({ at: event.at + Math.round(rng.between(2, 30) * HOUR), kind: 'decide-review', requestId, problemId: event.problemId });
        return;
      }
      case 'decide-review': {
        const { behaviour } = behaviourFor(event.problemId);
        const approve = rng.chance(behaviour.passReview);
        if (!app.unitDesk.decideReview(event.requestId, approve, staffUserId, approve ? undefined : rng.pick(REJECT_NOTES)).ok) return;
        summary.staffActions++;
        // Approved: resolved, residents surveyed. Sent back: the unit tries again within days.
        if (approve) planAfterResolved(event.problemId, event.at);
        else schedule({ at: event.at + Math.round(rng.between(1, 4) * DAY), kind: 'unit-submit', problemId: event.problemId });
        return;
      }
    }
  }

  const days = options.weeks * 7;
  let day = 0;
  const passDaysUntil = (until: number) => {
    for (; day < until; day++) options.onDay?.(day + 1, days);
  };
  while (events.length > 0) {
    const event = events.shift()!;
    passDaysUntil(Math.floor((event.at - from) / DAY));
    clock.set(event.at);
    await handle(event);
    if (event.kind !== 'report' && event.kind !== 'answer') await settle();
  }
  clock.set(to);
  await settle();
  passDaysUntil(days);
  summary.problems = problemCount.get(from, to) as number;
  return summary;
}
