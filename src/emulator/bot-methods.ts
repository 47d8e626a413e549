import type { BotCommand, InlineKeyboardMarkup, Message, MessageEntity } from 'grammy/types';
import { ApiError, badRequest, forbidden } from './api-error.ts';
import type { UploadedFile } from './http-body.ts';
import { imageFormat, imageSize } from './media.ts';
import { asBoolean, asInteger, asJson, asString } from './params.ts';
import { checkReplyMarkup, isInlineKeyboard, type ReplyMarkup } from './reply-markup.ts';
import { parseTelegramHtml } from './telegram-html.ts';
import {
  isValidUtf8Text,
  MAX_CAPTION_LENGTH,
  MAX_TEXT_LENGTH,
  trimWithEntities,
  validateExplicitEntities,
  withDetectedEntities,
} from './text-entities.ts';
import type { BotMessageMethod, BotMessageRecord, FileKind, StoredFile } from './types.ts';
import type { UpdateQueue } from './update-queue.ts';
import type { ChatState, StoredMessage, World } from './world.ts';

export interface MethodContext {
  /** Files uploaded with the request, by form field. */
  files: Map<string, UploadedFile>;
  /** Aborted when the client goes away (used by long polling). */
  signal: AbortSignal;
}

export interface MethodOutcome {
  result: unknown;
  description?: string;
}

export type MethodHandler = (params: Record<string, unknown>, ctx: MethodContext) => MethodOutcome | Promise<MethodOutcome>;

export interface BotMethodsOptions {
  strictHtmlEntities: boolean;
}

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const SCOPE_TYPES = new Set([
  'default',
  'all_private_chats',
  'all_group_chats',
  'all_chat_administrators',
  'chat',
  'chat_administrators',
  'chat_member',
]);

/** Telegram keeps messages deletable for everyone for 48 hours. */
const DELETE_WINDOW_SECONDS = 48 * 60 * 60;
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

const ok = (result: unknown, description?: string): MethodOutcome => (description ? { result, description } : { result });

interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/** The Bot API methods the emulator implements, keyed by lower-case name (Telegram ignores case). */
export function createBotMethods(world: World, queue: UpdateQueue, options: BotMethodsOptions): Map<string, MethodHandler> {
  const settings = new Map<string, unknown>();

  function resolveChat(params: Record<string, unknown>, { forSending }: { forSending: boolean }): ChatState {
    const raw = params.chat_id;
    if (raw === undefined || raw === '') throw badRequest('chat_id is empty');
    let state: ChatState | undefined;
    if (typeof raw === 'string' && raw.startsWith('@')) {
      const username = raw.slice(1).toLowerCase();
      state = [...world.chats.values()].find(
        (c) => c.chat.type !== 'private' && 'username' in c.chat && c.chat.username?.toLowerCase() === username,
      );
    } else {
      const id = asInteger(params, 'chat_id');
      state = id === undefined ? undefined : world.chats.get(id);
    }
    if (!state) throw badRequest('chat not found');
    if (forSending && state.chat.type === 'private') {
      if (world.blockedBy.has(state.chat.id)) throw forbidden('bot was blocked by the user');
      if (!state.started) throw forbidden("bot can't initiate conversation with a user");
    }
    return state;
  }

  function formatText(params: Record<string, unknown>, kind: 'text' | 'caption'): FormattedText | undefined {
    const raw = asString(params, kind);
    const entitiesKey = kind === 'text' ? 'entities' : 'caption_entities';
    if (raw === undefined || raw === '') {
      if (kind === 'text') throw badRequest('message text is empty');
      return undefined;
    }
    if (!isValidUtf8Text(raw)) throw badRequest('strings must be encoded in UTF-8');

    let parsed: FormattedText;
    const explicit = params[entitiesKey];
    if (explicit !== undefined) {
      const entities = validateExplicitEntities(raw, asJson(explicit));
      if (typeof entities === 'string') throw badRequest(entities);
      parsed = { text: raw, entities };
    } else {
      const mode = asString(params, 'parse_mode') ?? '';
      const lower = mode.toLowerCase();
      if (lower === '') parsed = { text: raw, entities: [] };
      else if (lower === 'html') {
        const result = parseTelegramHtml(raw, { strictEntities: options.strictHtmlEntities });
        if (!result.ok) throw badRequest(`can't parse entities: ${result.error}`);
        parsed = { text: result.text, entities: result.entities };
      } else if (lower === 'markdownv2' || lower === 'markdown') {
        throw badRequest(`unsupported parse_mode ${mode}: the emulator implements only HTML`);
      } else throw badRequest('unsupported parse_mode');
    }

    const trimmed = trimWithEntities(parsed.text, parsed.entities);
    if (trimmed.text.length === 0) {
      if (kind === 'text') throw badRequest('message text is empty');
      return undefined;
    }
    const max = kind === 'text' ? MAX_TEXT_LENGTH : MAX_CAPTION_LENGTH;
    if (trimmed.text.length > max) throw badRequest(kind === 'text' ? 'message is too long' : 'message caption is too long');
    return { text: trimmed.text, entities: withDetectedEntities(trimmed.text, trimmed.entities) };
  }

  function readMarkup(params: Record<string, unknown>, { inlineOnly }: { inlineOnly: boolean }): ReplyMarkup | undefined {
    if (params.reply_markup === undefined || params.reply_markup === '') return undefined;
    const checked = checkReplyMarkup(params.reply_markup);
    if (!checked.ok) throw new ApiError(400, checked.description);
    if (inlineOnly && !isInlineKeyboard(checked.markup)) throw badRequest('inline keyboard expected');
    return checked.markup;
  }

  /** The inline keyboard a message carries; an empty one is no keyboard, as in Telegram. */
  function attached(markup: ReplyMarkup | undefined): InlineKeyboardMarkup | undefined {
    return isInlineKeyboard(markup) && markup.inline_keyboard.some((row) => row.length > 0) ? markup : undefined;
  }

  function replyTarget(state: ChatState, params: Record<string, unknown>): Message | undefined {
    const parameters = asJson(params.reply_parameters);
    let messageId: number | undefined;
    let allowWithout = asBoolean(params, 'allow_sending_without_reply') ?? false;
    if (typeof parameters === 'object' && parameters !== null) {
      const p = parameters as Record<string, unknown>;
      if (p.chat_id !== undefined && Number(p.chat_id) !== state.chat.id) {
        throw badRequest('the emulator does not implement replies to messages in other chats');
      }
      messageId = asInteger(p, 'message_id');
      allowWithout = asBoolean(p, 'allow_sending_without_reply') ?? allowWithout;
      if (messageId === undefined) throw badRequest('message to be replied not found');
    } else {
      messageId = asInteger(params, 'reply_to_message_id');
    }
    if (messageId === undefined) return undefined;
    const target = world.findMessage(state.chat.id, messageId);
    if (!target) {
      if (allowWithout) return undefined;
      throw badRequest('message to be replied not found');
    }
    const { reply_to_message: _nested, ...replied } = target.message;
    return replied as Message;
  }

  function baseMessage(state: ChatState, params: Record<string, unknown>): Record<string, unknown> {
    const reply = replyTarget(state, params);
    return {
      message_id: world.nextMessageId(state),
      from: world.botUser,
      chat: state.chat,
      date: world.unixNow(),
      ...(reply ? { reply_to_message: reply } : {}),
    };
  }

  function publish(
    state: ChatState,
    message: Message,
    method: BotMessageMethod,
    params: Record<string, unknown>,
    extra: Partial<BotMessageRecord>,
    kind: 'message' | 'edit',
  ): void {
    if (kind === 'message') state.messages.set(message.message_id, { message, fromBot: true, deleted: false });
    const markup = params.reply_markup === undefined ? undefined : checkReplyMarkup(params.reply_markup);
    const parseMode = asString(params, 'parse_mode');
    world.addRecord({
      method,
      chat_id: state.chat.id,
      message_id: message.message_id,
      ...(parseMode ? { parse_mode: parseMode } : {}),
      ...(markup?.ok ? { reply_markup: markup.markup } : {}),
      ...extra,
      message,
    });
    world.addTranscript({
      chat_id: state.chat.id,
      direction: 'bot',
      kind,
      message_id: message.message_id,
      message,
      method,
    });
  }

  function inputFile(params: Record<string, unknown>, field: 'photo' | 'document' | 'voice', files: Map<string, UploadedFile>): StoredFile {
    const kind: FileKind = field;
    const raw = params[field];
    let upload = files.get(field);
    if (!upload && typeof raw === 'string' && raw.startsWith('attach://')) {
      upload = files.get(raw.slice('attach://'.length));
      if (!upload) throw badRequest(`there is no ${field} in the request`);
    }
    if (upload) {
      if (upload.data.length === 0) throw badRequest('file must be non-empty');
      if (kind === 'photo') {
        if (!imageFormat(upload.data)) throw badRequest('IMAGE_PROCESS_FAILED');
        const size = imageSize(upload.data);
        if (size && (size.width + size.height > 10000 || Math.max(size.width, size.height) > 20 * Math.min(size.width, size.height))) {
          throw badRequest('PHOTO_INVALID_DIMENSIONS');
        }
        if (upload.data.length > 10 * 1024 * 1024) throw badRequest('PHOTO_SAVE_FILE_INVALID');
      }
      return world.storeFile(kind, upload.data, upload.filename, upload.contentType);
    }
    if (raw === undefined || raw === '') throw badRequest(`there is no ${field} in the request`);
    if (typeof raw !== 'string') throw badRequest('wrong file identifier/HTTP URL specified');
    if (/^https?:\/\//i.test(raw)) {
      const name = decodeURIComponent(new URL(raw).pathname.split('/').pop() || `${field}.dat`);
      return world.storeFile(kind, Buffer.alloc(0), name, undefined, raw);
    }
    const existing = world.files.get(raw);
    if (!existing) throw badRequest('wrong file identifier/HTTP URL specified');
    // Like Telegram: a photo is only a photo, a voice note only a voice note; other files go as documents.
    if ((kind === 'photo') !== (existing.kind === 'photo') || (kind === 'voice' && existing.kind !== 'voice')) {
      throw badRequest(`wrong file identifier/HTTP URL specified: can't use file of type ${existing.kind} as ${kind}`);
    }
    return existing;
  }

  function sendMedia(params: Record<string, unknown>, ctx: MethodContext, field: 'photo' | 'document' | 'voice'): MethodOutcome {
    const state = resolveChat(params, { forSending: true });
    const caption = formatText(params, 'caption');
    const keyboard = attached(readMarkup(params, { inlineOnly: false }));
    const file = inputFile(params, field, ctx.files);
    const media =
      field === 'photo'
        ? {
            photo: [
              {
                file_id: file.file_id,
                file_unique_id: file.file_unique_id,
                width: imageSize(file.bytes)?.width ?? 0,
                height: imageSize(file.bytes)?.height ?? 0,
                file_size: file.file_size,
              },
            ],
          }
        : field === 'voice'
          ? { voice: { file_id: file.file_id, file_unique_id: file.file_unique_id, duration: 1, mime_type: file.mime, file_size: file.file_size } }
          : {
              document: {
                file_id: file.file_id,
                file_unique_id: file.file_unique_id,
                file_name: file.filename,
                mime_type: file.mime,
                file_size: file.file_size,
              },
            };
    const message = {
      ...baseMessage(state, params),
      ...media,
      ...(caption ? { caption: caption.text } : {}),
      ...(caption?.entities.length ? { caption_entities: caption.entities } : {}),
      ...(keyboard ? { reply_markup: keyboard } : {}),
    } as unknown as Message;
    publish(
      state,
      message,
      field === 'photo' ? 'sendPhoto' : field === 'voice' ? 'sendVoice' : 'sendDocument',
      params,
      {
        ...(caption ? { caption: caption.text, entities: caption.entities, raw: asString(params, 'caption')! } : {}),
        file: {
          file_id: file.file_id,
          kind: file.kind,
          filename: file.filename,
          mime: file.mime,
          bytes: file.bytes,
          ...(file.url ? { url: file.url } : {}),
        },
      },
      'message',
    );
    return ok(message);
  }

  /** The bot's own message to edit, with Telegram's refusals. */
  function editable(params: Record<string, unknown>): { state: ChatState; stored: StoredMessage } {
    if (params.inline_message_id !== undefined) throw badRequest('MESSAGE_ID_INVALID');
    const state = resolveChat(params, { forSending: true });
    const messageId = asInteger(params, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const stored = world.findMessage(state.chat.id, messageId);
    if (!stored) throw badRequest('message to edit not found');
    if (!stored.fromBot) throw badRequest("message can't be edited");
    return { state, stored };
  }

  function applyEdit(
    state: ChatState,
    stored: StoredMessage,
    changes: Record<string, unknown>,
    removed: string[],
    method: BotMessageMethod,
    params: Record<string, unknown>,
    extra: Partial<BotMessageRecord>,
  ): Message {
    const next: Record<string, unknown> = { ...stored.message };
    for (const key of removed) delete next[key];
    Object.assign(next, changes, { edit_date: world.unixNow() });
    const message = next as unknown as Message;
    stored.message = message;
    publish(state, message, method, params, extra, 'edit');
    return message;
  }

  const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

  const methods: Record<string, MethodHandler> = {
    getMe: () => ok(world.botInfo),

    getUpdates: async (params, ctx) => ok(await queue.getUpdates(params, ctx.signal)),

    setWebhook: (params) => ok(true, queue.setWebhook(params)),

    deleteWebhook: (params) => ok(true, queue.deleteWebhook(params)),

    getWebhookInfo: () => ok(queue.webhookInfo()),

    sendMessage: (params) => {
      const state = resolveChat(params, { forSending: true });
      const formatted = formatText(params, 'text')!;
      const markup = readMarkup(params, { inlineOnly: false });
      const keyboard = attached(markup);
      const message = {
        ...baseMessage(state, params),
        text: formatted.text,
        ...(formatted.entities.length ? { entities: formatted.entities } : {}),
        ...(keyboard ? { reply_markup: keyboard } : {}),
      } as unknown as Message;
      publish(
        state,
        message,
        'sendMessage',
        params,
        { text: formatted.text, entities: formatted.entities, raw: asString(params, 'text')! },
        'message',
      );
      return ok(message);
    },

    sendPhoto: (params, ctx) => sendMedia(params, ctx, 'photo'),
    sendVoice: (params, ctx) => sendMedia(params, ctx, 'voice'),

    sendDocument: (params, ctx) => sendMedia(params, ctx, 'document'),

    editMessageText: (params) => {
      const { state, stored } = editable(params);
      if (stored.message.text === undefined) throw badRequest('there is no text in the message to edit');
      const formatted = formatText(params, 'text')!;
      const markup = attached(readMarkup(params, { inlineOnly: true }));
      const current = stored.message;
      if (
        current.text === formatted.text &&
        sameJson(current.entities ?? [], formatted.entities) &&
        sameJson(current.reply_markup, markup)
      ) {
        throw badRequest(NOT_MODIFIED);
      }
      // As in Telegram, an edit without reply_markup removes the inline keyboard.
      const message = applyEdit(
        state,
        stored,
        {
          text: formatted.text,
          ...(formatted.entities.length ? { entities: formatted.entities } : {}),
          ...(markup ? { reply_markup: markup } : {}),
        },
        ['entities', 'reply_markup'],
        'editMessageText',
        params,
        { text: formatted.text, entities: formatted.entities, raw: asString(params, 'text')! },
      );
      return ok(message);
    },

    editMessageCaption: (params) => {
      const { state, stored } = editable(params);
      const current = stored.message;
      if (!current.photo && !current.document) throw badRequest('there is no caption in the message to edit');
      const caption = formatText(params, 'caption');
      const markup = attached(readMarkup(params, { inlineOnly: true }));
      if (
        current.caption === caption?.text &&
        sameJson(current.caption_entities ?? [], caption?.entities ?? []) &&
        sameJson(current.reply_markup, markup)
      ) {
        throw badRequest(NOT_MODIFIED);
      }
      const message = applyEdit(
        state,
        stored,
        {
          ...(caption ? { caption: caption.text } : {}),
          ...(caption?.entities.length ? { caption_entities: caption.entities } : {}),
          ...(markup ? { reply_markup: markup } : {}),
        },
        ['caption', 'caption_entities', 'reply_markup'],
        'editMessageCaption',
        params,
        caption ? { caption: caption.text, entities: caption.entities, raw: asString(params, 'caption')! } : {},
      );
      return ok(message);
    },

    editMessageReplyMarkup: (params) => {
      const { state, stored } = editable(params);
      const markup = attached(readMarkup(params, { inlineOnly: true }));
      if (sameJson(stored.message.reply_markup, markup)) throw badRequest(NOT_MODIFIED);
      const message = applyEdit(
        state,
        stored,
        markup ? { reply_markup: markup } : {},
        ['reply_markup'],
        'editMessageReplyMarkup',
        params,
        {},
      );
      return ok(message);
    },

    deleteMessage: (params) => {
      const state = resolveChat(params, { forSending: false });
      const messageId = asInteger(params, 'message_id');
      if (messageId === undefined) throw badRequest('message identifier is not specified');
      const stored = world.findMessage(state.chat.id, messageId);
      if (!stored) throw badRequest('message to delete not found');
      if (state.chat.type !== 'private' && !stored.fromBot && !state.botIsAdmin) {
        throw badRequest("message can't be deleted");
      }
      if (world.unixNow() - stored.message.date > DELETE_WINDOW_SECONDS) {
        throw badRequest("message can't be deleted for everyone");
      }
      stored.deleted = true;
      world.addTranscript({
        chat_id: state.chat.id,
        direction: 'bot',
        kind: 'delete',
        message_id: messageId,
        method: 'deleteMessage',
      });
      return ok(true);
    },

    answerCallbackQuery: (params) => {
      const id = asString(params, 'callback_query_id');
      if (!id) throw badRequest('query_id is empty');
      const query = world.callbackQueries.get(id);
      if (!query || query.answered) {
        throw badRequest('query is too old and response timeout expired or query ID is invalid');
      }
      const text = asString(params, 'text');
      if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
      query.answered = true;
      const showAlert = asBoolean(params, 'show_alert');
      const url = asString(params, 'url');
      const cacheTime = asInteger(params, 'cache_time');
      const answer = {
        callback_query_id: id,
        at: world.now(),
        chat_id: query.chatId,
        message_id: query.messageId,
        ...(text !== undefined ? { text } : {}),
        ...(showAlert !== undefined ? { show_alert: showAlert } : {}),
        ...(url !== undefined ? { url } : {}),
        ...(cacheTime !== undefined ? { cache_time: cacheTime } : {}),
      };
      world.callbackAnswers.push(answer);
      world.emit('callback-answer', answer);
      return ok(true);
    },

    sendChatAction: (params) => {
      const state = resolveChat(params, { forSending: true });
      const action = asString(params, 'action');
      if (!action) throw badRequest('action is empty');
      if (!CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request');
      const record = { at: world.now(), chat_id: state.chat.id, action };
      world.chatActions.push(record);
      world.emit('chat-action', record);
      return ok(true);
    },

    getFile: (params) => {
      const id = asString(params, 'file_id');
      if (!id) throw badRequest('file_id is empty');
      const file = world.files.get(id);
      if (!file) throw badRequest('invalid file_id');
      if (file.file_size > MAX_DOWNLOAD_BYTES) throw badRequest('file is too big');
      return ok({
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.file_size,
        file_path: file.file_path,
      });
    },

    getChat: (params) => {
      const state = resolveChat(params, { forSending: false });
      return ok({
        ...state.chat,
        accent_color_id: 0,
        max_reaction_count: 11,
        accepted_gift_types: {
          unlimited_gifts: false,
          limited_gifts: false,
          unique_gifts: false,
          premium_subscription: false,
        },
      });
    },

    setMyCommands: (params) => {
      const commands = asJson(params.commands);
      if (!Array.isArray(commands)) throw badRequest("can't parse commands JSON object");
      if (commands.length > 100) throw badRequest('too many commands');
      const checked: BotCommand[] = [];
      for (const item of commands) {
        const c = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
        const command = typeof c.command === 'string' ? c.command : '';
        const description = typeof c.description === 'string' ? c.description : '';
        if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID');
        if (description.trim().length === 0 || description.length > 256) {
          throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
        }
        checked.push({ command, description });
      }
      settings.set(commandsKey(params), checked);
      return ok(true);
    },

    getMyCommands: (params) => ok(settings.get(commandsKey(params)) ?? []),

    deleteMyCommands: (params) => {
      settings.delete(commandsKey(params));
      return ok(true);
    },

    setMyDescription: (params) => storeSetting(params, 'description', 512),
    getMyDescription: (params) => ok({ description: settings.get(settingKey('description', params)) ?? '' }),
    setMyShortDescription: (params) => storeSetting(params, 'short_description', 120),
    getMyShortDescription: (params) => ok({ short_description: settings.get(settingKey('short_description', params)) ?? '' }),
    setMyName: (params) => storeSetting(params, 'name', 64),
    getMyName: (params) => ok({ name: settings.get(settingKey('name', params)) ?? world.botInfo.first_name }),
  };

  function commandsKey(params: Record<string, unknown>): string {
    const scope = asJson(params.scope) ?? { type: 'default' };
    if (typeof scope !== 'object' || scope === null || !SCOPE_TYPES.has(String((scope as { type?: unknown }).type))) {
      throw badRequest("can't parse BotCommandScope JSON object");
    }
    const language = asString(params, 'language_code') ?? '';
    if (language !== '' && !/^[a-z]{2}$/.test(language)) throw badRequest('invalid language code specified');
    return `commands|${JSON.stringify(scope)}|${language}`;
  }

  function settingKey(name: string, params: Record<string, unknown>): string {
    return `${name}|${asString(params, 'language_code') ?? ''}`;
  }

  function storeSetting(params: Record<string, unknown>, name: string, max: number): MethodOutcome {
    const value = asString(params, name) ?? '';
    if (value.length > max) throw badRequest(`${name} is too long`);
    settings.set(settingKey(name, params), value);
    return ok(true);
  }

  return new Map(Object.entries(methods).map(([name, handler]) => [name.toLowerCase(), handler]));
}
