import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { STAFF_CHAT } from './fault-world.ts';

/**
 * Random Telegram updates for fuzzing, of every kind the bot asks for (message, edited_message,
 * callback_query, my_chat_member) and some it does not: well-formed ones as Telegram sends them, and
 * malformed ones where any field may be missing, of the wrong type, or something else entirely.
 */

const hostile = readFileSync(new URL('../../fixtures/hostile-texts.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => (JSON.parse(line) as { text: string }).text);

const COMMANDS = [
  '/start', '/help', '/my', '/lang', '/lang en', '/lang zh', '/forget', '/problems', '/problems all', '/problem 1', '/summary', '/overdue',
  '/search 一中', '/units', '/units unmatched', '/assign 1 第一中学', '/status 1 in_progress', '/resolve 1 done', '/close 1 duplicate',
  '/merge 1 2', '/split 1 1', '/digest', '/ranking', '/export 7d', '/start@minyi_test_bot', '/help@other_bot', '/', '/unknown_command',
];

const CALLBACK_DATA = ['lang:zh', 'lang:en', 'forget:yes', 'forget:no', 'pd:1', 'pr:1', 'pl:open:1', 'pa:ip:1', 'pa:rs:1', 'pa:cl:1', 'pa:cl:1:duplicate', 'sv:f:1:fixed', 'sv:f:1:not_fixed', 'sv:r:1:5'];

/** Sometimes the right kind of value, sometimes any JSON at all (or nothing). */
const maybeWrong = <T>(arb: fc.Arbitrary<T>, wrongWeight = 1): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 8, arbitrary: arb as fc.Arbitrary<unknown> }, { weight: wrongWeight, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<unknown> }, { weight: wrongWeight, arbitrary: fc.constant(undefined) });

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 3, arbitrary: fc.constantFrom(...COMMANDS).chain((c) => fc.string({ maxLength: 20 }).map((rest) => `${c} ${rest}`.trimEnd())) },
  { weight: 1, arbitrary: fc.constantFrom(...hostile) },
  { weight: 1, arbitrary: fc.constantFrom('第一中学食堂的饭菜太贵了', '实验小学有老师打学生流鼻血了', 'The gym at No. 2 Middle School is always closed') },
);

// Mostly strangers (chats the emulator does not know: the bot's replies are refused), sometimes residents who wrote before.
const userId = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 2 ** 40 }) }, { weight: 1, arbitrary: fc.constantFrom(80_001, 80_002, 80_003) });

function user(id: fc.Arbitrary<number>, wrong: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      id: maybeWrong(id, wrong),
      is_bot: maybeWrong(fc.boolean(), wrong),
      first_name: maybeWrong(fc.string({ maxLength: 20 }), wrong),
      language_code: maybeWrong(fc.constantFrom('zh', 'zh-hans', 'en', 'ru', ''), wrong),
      username: fc.string({ maxLength: 12 }),
    },
    { requiredKeys: wrong === 0 ? ['id', 'is_bot', 'first_name'] : [] },
  );
}

function chatFor(from: Record<string, unknown>, wrong: number): fc.Arbitrary<unknown> {
  const privateChat = fc.constant({ id: from.id, type: 'private', first_name: from.first_name ?? 'R' });
  const group = fc.record({
    id: fc.oneof(fc.constant(STAFF_CHAT), fc.integer({ min: -(2 ** 40), max: -1 })),
    type: fc.constantFrom('group', 'supergroup', 'channel'),
    title: fc.string({ maxLength: 20 }),
  });
  return maybeWrong(fc.oneof({ weight: 3, arbitrary: privateChat }, { weight: 1, arbitrary: group }), wrong);
}

const entities = fc.array(
  fc.record({ type: fc.constantFrom('bot_command', 'mention', 'bold', 'url', 'text_link', 'spoiler', 'bogus'), offset: fc.integer({ min: -3, max: 300 }), length: fc.integer({ min: -3, max: 300 }) }),
  { maxLength: 3 },
);
const photo = fc.array(fc.record({ file_id: fc.string({ minLength: 1, maxLength: 10 }), file_unique_id: fc.string({ maxLength: 5 }), width: fc.nat(), height: fc.nat() }), { minLength: 1, maxLength: 2 });

/** What a message carries: exactly one kind of content when well-formed, any mixture when not. */
function content(wrong: number): fc.Arbitrary<Record<string, unknown>> {
  if (wrong === 0) {
    return fc.oneof(
      { weight: 6, arbitrary: fc.record({ text, entities }, { requiredKeys: ['text'] }) },
      { weight: 2, arbitrary: fc.record({ photo, caption: text }, { requiredKeys: ['photo'] }) },
      { weight: 1, arbitrary: fc.record({ sticker: fc.record({ file_id: fc.string({ minLength: 1, maxLength: 10 }), emoji: fc.string({ maxLength: 2 }) }) }) },
      { weight: 1, arbitrary: fc.record({ location: fc.record({ latitude: fc.double({ min: -90, max: 90, noNaN: true }), longitude: fc.double({ min: -180, max: 180, noNaN: true }) }) }) },
      { weight: 1, arbitrary: fc.record({ contact: fc.record({ phone_number: fc.constantFrom('13812345678', '+86 139 1234 5678'), first_name: fc.string({ maxLength: 5 }) }) }) },
    );
  }
  return fc.record(
    {
      text: maybeWrong(text, wrong),
      caption: maybeWrong(text, wrong),
      entities: maybeWrong(entities, wrong),
      photo: maybeWrong(photo, wrong),
      sticker: fc.jsonValue({ maxDepth: 1 }),
      location: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  );
}

function message(wrong: number, depth = 1): fc.Arbitrary<Record<string, unknown>> {
  return user(userId, wrong).chain((from) =>
    fc
      .tuple(
        fc.record(
          {
            message_id: maybeWrong(fc.integer({ min: 1, max: 2 ** 31 - 1 }), wrong),
            date: maybeWrong(fc.integer({ min: 0, max: 2 ** 32 }), wrong),
            chat: chatFor(from, wrong),
            from: fc.constant(from),
            ...(depth > 0 && { reply_to_message: message(wrong, depth - 1) }),
          },
          { requiredKeys: wrong === 0 ? ['message_id', 'date', 'chat', 'from'] : [] },
        ),
        content(wrong),
      )
      .map(([head, body]) => ({ ...head, ...body })),
  );
}

function callbackQuery(wrong: number): fc.Arbitrary<Record<string, unknown>> {
  return user(userId, wrong).chain((from) =>
    fc.record(
      {
        id: maybeWrong(fc.string({ minLength: 1, maxLength: 20 }), wrong),
        from: fc.constant(from),
        chat_instance: fc.string({ maxLength: 10 }),
        data: maybeWrong(fc.oneof(fc.constantFrom(...CALLBACK_DATA), fc.string({ maxLength: 64 }), fc.constantFrom(...CALLBACK_DATA).map((d) => d.replace('1', String(2 ** 40)))), wrong),
        message: maybeWrong(message(0, 0), wrong),
      },
      { requiredKeys: wrong === 0 ? ['id', 'from', 'chat_instance'] : [] },
    ),
  );
}

function myChatMember(wrong: number): fc.Arbitrary<Record<string, unknown>> {
  return user(userId, wrong).chain((from) =>
    fc.record({
      chat: chatFor(from, wrong),
      from: fc.constant(from),
      date: fc.nat(),
      old_chat_member: maybeWrong(fc.record({ status: fc.constantFrom('member', 'kicked', 'left', 'administrator'), user: user(fc.constant(7000000001), 0) }), wrong),
      new_chat_member: maybeWrong(fc.record({ status: fc.constantFrom('member', 'kicked', 'left', 'administrator', 'bogus'), user: user(fc.constant(7000000001), 0) }), wrong),
    }),
  );
}

/** The body of an update (without update_id), well-formed (wrong = 0) or malformed. */
export function updateBody(wrong: number): fc.Arbitrary<Record<string, unknown>> {
  const body = fc.oneof(
    { weight: 5, arbitrary: message(wrong).map((m) => ({ message: m })) },
    { weight: 1, arbitrary: message(wrong).map((m) => ({ edited_message: m })) },
    { weight: 3, arbitrary: callbackQuery(wrong).map((q) => ({ callback_query: q })) },
    { weight: 1, arbitrary: myChatMember(wrong).map((m) => ({ my_chat_member: m })) },
  );
  if (wrong === 0) return body;
  // Malformed on top: an unknown kind, two kinds at once, or a kind that is not an object.
  return fc.oneof(
    { weight: 6, arbitrary: body },
    { weight: 1, arbitrary: fc.constantFrom('channel_post', 'poll', 'chat_join_request', 'foo').chain((kind) => fc.jsonValue({ maxDepth: 2 }).map((value) => ({ [kind]: value }))) },
    { weight: 1, arbitrary: fc.tuple(body, body).map(([a, b]) => ({ ...a, ...b })) },
    { weight: 1, arbitrary: fc.constantFrom('message', 'callback_query', 'edited_message', 'my_chat_member').chain((kind) => fc.jsonValue({ maxDepth: 1 }).map((value) => ({ [kind]: value }))) },
  );
}

/** A whole update with an update_id (sometimes a strange one, when malformed). */
export function update(wrong: number, nextId: () => number): fc.Arbitrary<Record<string, unknown>> {
  return updateBody(wrong).map((body) => ({ update_id: nextId(), ...body }));
}
