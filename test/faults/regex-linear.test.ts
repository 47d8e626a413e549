import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { redactPersonalData } from '../../src/domain/redact.ts';
import { createOfflineClassifier, loadExamples, type OfflineClassifier } from '../../src/classify/offline/offline-classifier.ts';
import { CATEGORY_CUES } from '../../src/classify/offline/lexicon.ts';
import { RISK_CUES } from '../../src/classify/offline/risk-cues.ts';
import { textFeatures } from '../../src/problems/similarity.ts';
import { createUnitDirectory, loadUnitFile, type UnitDirectory } from '../../src/units/unit-directory.ts';
import { eventually } from '../support/bot-process.ts';
import { ackLedger, alive, createFaultWorld, outcome, STAFF_CHAT, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Every regular expression that sees a resident's text runs in linear time. A 125-character message of "No 1 "
 * once took 16 seconds in the unit extractor (and 2,000 characters would have taken years); random fuzzing never
 * found it, so the inputs here are built on purpose from the patterns' own pieces: the words and separators they
 * repeat, runs they scan, and endings that fail at the last character.
 *
 * What is measured is the CPU time of one call (the least of three), so that eight test processes sharing two
 * cores do not decide the result; each text is tried at doubling lengths up to 10,000 characters, so an
 * exponential pattern fails at a hundred characters instead of hanging the test.
 */

const LIMIT_MS = 50;
const MAX_LENGTH = 10_000;
const LENGTHS = [25, 50, 100, 200, 400, 800, 1600, 3200, 6400, MAX_LENGTH];

let classifier: OfflineClassifier;
let units: UnitDirectory;

beforeAll(() => {
  classifier = createOfflineClassifier({ catalogue: loadCatalogue(), examples: loadExamples() });
  units = createUnitDirectory(loadUnitFile().units);
  // Compile every pattern and load the word segmenter once, outside the measurements.
  for (const text of ['孩子被老师打了流血 No. 1 Middle School 电话 13812345678 a@b.cn', '领导您好，一中食堂太贵了。']) {
    classifier.classifySync(text);
    units.findUnitsIn(text);
  }
});

/** The steps resident text goes through before a reply: each must stay under the limit on its own. */
const STEPS: ReadonlyArray<readonly [string, (text: string) => unknown]> = [
  [
    'offline classification',
    (text) => {
      const label = classifier.classifySync(text);
      return label.unit ? units.match(label.unit) : null;
    },
  ],
  ['redaction', (text) => redactPersonalData(text)],
  ['unit spotting', (text) => units.findUnitsIn(text)],
  ['grouping similarity', (text) => textFeatures(text)],
];

/** `collectFirst`: collect the garbage before each run (--expose-gc, vitest.config.ts); costly, so only to re-time. */
function cpuMs(run: () => unknown, collectFirst = false): number {
  let best = Number.POSITIVE_INFINITY;
  const collect = collectFirst ? (globalThis as { gc?: () => void }).gc : undefined;
  for (let i = 0; i < 3; i++) {
    collect?.();
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

const repeatTo = (unit: string, length: number, ending: string): string =>
  unit.repeat(Math.ceil(length / unit.length)).slice(0, Math.max(0, length - ending.length)) + ending;

/** The slowest step on `unit` repeated, at each length up to 10,000: the first over the limit fails. */
function slowest(unit: string, ending: string): { step: string; length: number; ms: number } {
  let worst = { step: '', length: 0, ms: 0 };
  for (const length of LENGTHS) {
    const text = repeatTo(unit, length, ending);
    for (const [step, run] of STEPS) {
      // Over the limit, measured again after collecting the garbage: a collection of the heap earlier test files left
      // in this worker can land in every run (CI failed twice so, at 10,000 characters of "去年…School", which take
      // 9 ms alone, the second time even re-timed twice without collecting), while a pattern that is really slow stays
      // slow however often it is timed (a quadratic probe still fails: 76 ms at 10,000 characters).
      let ms = cpuMs(() => run(text));
      for (let again = 0; again < 2 && ms > LIMIT_MS; again++) ms = Math.min(ms, cpuMs(() => run(text), true));
      if (ms > worst.ms) worst = { step, length, ms };
      if (ms > LIMIT_MS) return worst;
    }
  }
  return worst;
}

// The shapes that broke or could break a pattern, each named for what it attacks.
const NAMED: ReadonlyArray<readonly [string, string, string]> = [
  ['"No 1 " (the English unit name, read two ways)', 'No 1 ', '!'],
  ['"No. " and "No.1 "', 'No. No.1 ', 'x'],
  ['"Number 1 " before no school', 'Number 1 ', 'Schoo'],
  ['capitalised words that never reach a suffix', 'Aa Bb ', 'Schoo'],
  ['an institution\'s kind without its end ("Aa tutoring cent")', 'Aa tutoring ', 'cent'],
  ['Han words before 教育 and 英语, over and over', '启航安全教育英语', '托管'],
  ['"第一" and numerals without a school type', '第一', '中午'],
  ['a run of Han numerals', '一二三', '中'],
  ['digits and spaces', '1 ', '-'],
  ['digits with separators (phones, cards, IDs)', '138-1234 ', '5'],
  ['"+86 " and "0086 "', '+86 0086 ', '1'],
  ['"@." (e-mail local parts without a domain)', 'a.b@.', '@'],
  ['a long e-mail local part', 'a1.', '@x'],
  ['a run of spaces after a phone word', '电话 ', ' '.repeat(8)],
  ['blank lines (chat-template turns)', '\n', 'user'],
  ['Han and Latin runs', '学校School ', '中'],
  ['"忽略" without its object', '忽略', '。'],
  ['"标为" without a label', '标为', '。'],
  ['"ignore " without "instructions"', 'ignore ', '.'],
  ['"mark " without "urgent"', 'mark ', '.'],
  ['an unclosed brace of "category":', '{"category":', ''],
  ['a risk cue in one endless clause', '疼', ''],
  ['a risk cue in a thousand clauses', '被打，', '。'],
  ['negations before cues', '没有不no not if 去年', '打'],
  ['a short unit name thousands of times', '实小', ''],
  ['zero-width and direction marks', '\u200b\u202e中学', ''],
  ['greetings', '您好，hi dear ', ''],
];

describe('every regular expression over resident text runs in linear time', () => {
  it(`named adversarial shapes up to ${MAX_LENGTH.toLocaleString('en')} characters: each step ≤ ${LIMIT_MS} ms`, () => {
    const lines: string[] = [];
    for (const [name, unit, ending] of NAMED) {
      const worst = slowest(unit, ending);
      lines.push(`${name}: ${worst.ms.toFixed(1)} ms (${worst.step}, ${worst.length} chars)`);
      expect.soft(worst.ms, `${name}: ${worst.step} at ${worst.length} characters`).toBeLessThanOrEqual(LIMIT_MS);
    }
    outcome(`linear regexes: slowest step per shape (CPU, least of 3):\n  ${lines.join('\n  ')}`);
  }, 120_000);

  it(`texts built from the patterns' own pieces, up to ${MAX_LENGTH.toLocaleString('en')} characters: each step ≤ ${LIMIT_MS} ms`, () => {
    // The literal words of every risk cue and category cue, and the separators and near misses the patterns use.
    const cueWords = new Set<string>();
    for (const cue of RISK_CUES) {
      for (const part of cue.pattern.source.split(/[|()]/)) {
        const literal = part.replace(/\\[bwsdWSD]|\?[:=!<]|[[\]{}?*+^$\\]|\d+,\d*/g, '');
        if (literal.length > 0 && literal.length <= 8) cueWords.add(literal);
      }
    }
    for (const words of Object.values(CATEGORY_CUES)) for (const word of words) cueWords.add(word);
    const separators = [' ', '  ', '\n', '，', ',', '。', '.', '!', '？', '；', '-', '.', '@', ':', '：', "'", '"', '{', '}', '【', '<|'];
    const shapes = ['No', 'No.', '1', '12', '一', '第', '中', '小', '幼', 'A', 'a', 'Aa', 'School', 'Middle', '+86', '00', '138', '电话', 'tel', '忽略', '标为', 'mark', 'ignore', 'user', 'system', '您好', 'dear', 'the', 'no', 'not', '没有', '去年', '但'];
    const piece = fc.oneof(fc.constantFrom(...shapes), fc.constantFrom(...separators), fc.constantFrom(...cueWords));
    let runs = 0;
    let worstSeen = { unit: '', step: '', length: 0, ms: 0 };
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 4 }), fc.constantFrom('', 'x', '中', 'School', '。', '1', ' '), (pieces, ending) => {
        const unit = pieces.join('');
        const worst = slowest(unit, ending);
        runs++;
        if (worst.ms > worstSeen.ms) worstSeen = { unit, ...worst };
        return worst.ms <= LIMIT_MS;
      }),
      { numRuns: 40, seed: 20_240_601 },
    );
    outcome(`linear regexes: ${runs} texts from ${cueWords.size} cue words; slowest ${worstSeen.ms.toFixed(1)} ms (${worstSeen.step}, ${worstSeen.length} chars of ${JSON.stringify(worstSeen.unit)})`);
  }, 180_000);
});

describe('a report whose classification never finishes is set aside, not retried forever', () => {
  let world: FaultWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('three restarts in the middle of classifying one report: the fourth start sets it aside, answers the resident once, alerts staff, and serves the others; /retry brings it back', async () => {
    world = await createFaultWorld();
    const { telegram, llm } = world;
    // The classification hangs (the model never answers within the run) and the operator restarts the bot each
    // time: what a freezing regex did, whatever the cause.
    llm.setMode('timeout');
    const env = { OPENAI_TIMEOUT_MS: '120000', LLM_RECLASSIFY_SECONDS: '3600' };
    const STUCK = 80_100;
    const stuckText = '学校门口的下水道盖板坏了一个星期，孩子们上学都要绕着走（第一条）';
    let bot = await world.start({ env });
    telegram.sendUserMessage({ from: zhResident(STUCK), text: stuckText });
    const attempts = () => world!.count('SELECT classify_attempts FROM reports WHERE chat_id = ?', STUCK);
    for (let run = 1; run <= 3; run++) {
      await eventually(() => attempts() === run, 20_000, () => `attempts ${attempts()} in run ${run}`);
      await bot.kill9();
      if (run < 3) bot = await world.start({ env });
    }
    expect(telegram.sentMessages(STUCK)).toHaveLength(0);

    // The model is fine now, but the report has had its three attempts: it waits for a person, not a fourth hang.
    llm.setMode('ok');
    const started = Date.now();
    bot = await world.start({ env });
    const ticket = world.query<{ id: number }>('SELECT id FROM reports WHERE chat_id = ?', STUCK)[0]!.id;
    const reply = await telegram.waitFor((m) => m.chat_id === STUCK, 15_000, { includeExisting: true });
    const notice = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && (m.text ?? '').includes(`#${ticket}`), 15_000, { includeExisting: true });
    expect(reply.text).toContain(`#${ticket}`);
    expect(reply.text).toContain('工作人员会亲自阅读');
    expect(notice.text).toContain(stuckText);
    expect(notice.text).toContain(`/retry ${ticket}`);
    expect(world.query('SELECT state, set_aside_at IS NOT NULL AS aside, classify_attempts FROM reports WHERE id = ?', ticket)).toEqual([
      { state: 'received', aside: 1, classify_attempts: 4 },
    ]);

    // Other residents are served as usual.
    const OTHER = 80_101;
    telegram.sendUserMessage({ from: zhResident(OTHER), text: '食堂的饭菜太咸了，希望改进（第二条）' });
    const otherReply = await telegram.waitFor((m) => m.chat_id === OTHER, 15_000, { includeExisting: true });
    expect(otherReply.text).toMatch(/#\d+/);

    // Staff put it back: it is classified, joins a problem, and the resident is not answered a second time.
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: { id: 80_999, first_name: '王科长', language_code: 'zh-hans' }, text: `/retry ${ticket}` });
    await eventually(() => world!.count(`SELECT COUNT(*) FROM reports WHERE id = ? AND state = 'classified' AND problem_id IS NOT NULL`, ticket) === 1, 15_000);
    const reports = world.query<{ id: number; chat_id: number }>('SELECT id, chat_id FROM reports WHERE chat_id IN (?, ?)', STUCK, OTHER);
    const ledger = ackLedger(telegram, reports);
    expect(ledger.missing).toEqual([]);
    expect(ledger.duplicated).toEqual([]);
    expect(telegram.sentMessages(STUCK)).toHaveLength(1);
    expect(alive(bot)).toBe(true);
    outcome(
      `set aside: a report whose classification was cut off by 3 restarts was set aside on the 4th start ` +
        `(${((reply.at - started) / 1000).toFixed(1)} s after it began, including start-up); the resident got 1 reply, staff 1 notice with the text; ` +
        `another resident was answered as usual; /retry classified it without a second reply`,
    );
  }, 180_000);
});
