import { seededRandom } from '../domain/random.ts';
import type { App } from '../app.ts';
import { loadExamples, type LabelledExample } from '../classify/offline/examples.ts';
import type { Actor } from '../problems/problem.ts';
import type { FixedAnswer } from '../problems/problem-desk.ts';
import type { Unit } from '../units/unit-directory.ts';
import { privateTextUpdate } from './offline-telegram.ts';

/**
 * A district's weeks of activity, simulated through the real app: residents write to the bot (updates
 * fed to `app.bot.handleUpdate`, classified and grouped by the real pipeline), staff act on problems
 * through the real desk, residents answer the "is it fixed?" survey. Some units answer within hours and
 * fix things; some are slow and leave problems overdue; a few matters are reported by many residents
 * (widespread) or come back after being fixed (recurring); some reports are urgent; near the end one matter is
 * reported at several schools within days (a district-wide theme, 一类问题).
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
}

export interface SimulationSummary {
  from: number;
  to: number;
  reports: number;
  problems: number;
  staffActions: number;
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
}

const BEHAVIOUR: Record<Tier, TierBehaviour> = {
  prompt: { respond: 0.99, respondHours: [1, 9], resolve: 0.97, resolveDays: [1, 3], answers: [0.8, 0.15, 0.05], ratings: [0, 0.02, 0.08, 0.3, 0.6] },
  steady: { respond: 0.95, respondHours: [6, 34], resolve: 0.9, resolveDays: [2, 6], answers: [0.55, 0.3, 0.15], ratings: [0.05, 0.1, 0.25, 0.35, 0.25] },
  slow: { respond: 0.85, respondHours: [20, 96], resolve: 0.6, resolveDays: [5, 14], answers: [0.25, 0.3, 0.45], ratings: [0.25, 0.25, 0.25, 0.15, 0.1] },
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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
  | { at: number; kind: 'recur'; problemId: number };

/**
 * Run `options.weeks` weeks of activity from the clock's current time (a Monday 00:00 makes them calendar weeks).
 * The app must be created with `now: options.clock.now`, with its pipeline and outbox sender started.
 */
export async function simulateActivity(app: App, options: SimulationOptions): Promise<SimulationSummary> {
  const rng = random(options.seed);
  const { clock } = options;
  const from = clock.now();
  const to = from + options.weeks * 7 * DAY;
  const staff: Actor = { type: 'staff', userId: options.staffUserId ?? 9_900_001 };
  const examples = options.examples ?? loadExamples();
  const units = app.units.all();
  const summary: SimulationSummary = { from, to, reports: 0, problems: 0, staffActions: 0, surveyAnswers: 0 };

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

  const behaviourFor = (problemId: number) => {
    const problem = app.problems.get(problemId);
    const unitId = problem ? (problem.responsibleUnitId ?? problem.unitId ?? OFFICE_FOR[problem.category] ?? null) : null;
    return { problem, unitId, behaviour: BEHAVIOUR[tierOf(unitId)] };
  };

  function planResolution(problemId: number, at: number): void {
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
      await Promise.race([app.settle(), stuck]);
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
        if (app.desk.assign(problem.id, unitId, null, staff).ok) summary.staffActions++;
        planResolution(problem.id, event.at);
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
        const { behaviour } = behaviourFor(problem.id);
        for (const { reportId, residentId } of unanswered.all(problem.id) as Array<{ reportId: number; residentId: number }>) {
          if (!rng.chance(0.8)) continue;
          const fixed = rng.weighted<FixedAnswer>(['fixed', 'partly', 'not_fixed'], behaviour.answers);
          const rating = rng.chance(0.9) ? rng.weighted([1, 2, 3, 4, 5], behaviour.ratings) : undefined;
          schedule({ at: event.at + Math.round(rng.between(1, 30) * HOUR), kind: 'answer', reportId, residentId, fixed, rating });
        }
        // Now and then the matter comes back within the month.
        if (rng.chance(0.06)) schedule({ at: event.at + Math.round(rng.between(3, 12) * DAY), kind: 'recur', problemId: problem.id });
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
