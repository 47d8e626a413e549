import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { CallbackQuery, Chat, Message, MessageEntity, Update, User, UserFromGetMe } from 'grammy/types';
import { callbackDataOf } from './reply-markup.ts';
import { detectEntities, isValidUtf8Text, MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH } from './text-entities.ts';
import { extensionFor, imageSize, mimeTypeFor } from './media.ts';
import type { UpdateQueue } from './update-queue.ts';
import type {
  BotMessageRecord,
  ButtonPress,
  CallbackAnswer,
  ChatActionRecord,
  ChatRegistration,
  EmulatorEvents,
  FileKind,
  PressedButton,
  SentUserMessage,
  StoredFile,
  TranscriptEntry,
  UserMessageSpec,
  UserSpec,
} from './types.ts';

export interface StoredMessage {
  message: Message;
  fromBot: boolean;
  deleted: boolean;
}

export interface ChatState {
  chat: Chat;
  lastMessageId: number;
  messages: Map<number, StoredMessage>;
  botIsAdmin: boolean;
  started: boolean;
}

/** A 1×1 transparent PNG: what a user "photographs" when a test gives no bytes. */
const PLACEHOLDER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

const FILE_ID_PREFIX: Record<FileKind, string> = { photo: 'AgAC', document: 'BQAC', voice: 'AwAC', sticker: 'CAAC' };
const FILE_DIRECTORY: Record<FileKind, string> = {
  photo: 'photos',
  document: 'documents',
  voice: 'voice',
  sticker: 'stickers',
};

/**
 * Everything the emulated Telegram knows: chats and their messages from both sides, files, the
 * record of what the bot sent, and the user actions that produce updates.
 */
export class World {
  readonly events = new EventEmitter();
  readonly chats = new Map<number, ChatState>();
  readonly files = new Map<string, StoredFile>();
  readonly filesByPath = new Map<string, StoredFile>();
  readonly records: BotMessageRecord[] = [];
  readonly transcript: TranscriptEntry[] = [];
  readonly callbackQueries = new Map<string, { chatId: number; messageId: number; answered: boolean }>();
  readonly callbackAnswers: CallbackAnswer[] = [];
  readonly chatActions: ChatActionRecord[] = [];
  readonly blockedBy = new Set<number>();
  private seq = 0;
  private fileCounter = 0;
  private callbackCounter = 0;

  constructor(
    readonly botInfo: UserFromGetMe,
    readonly now: () => number,
    private readonly queue: UpdateQueue,
  ) {
    this.events.setMaxListeners(0);
  }

  get botUser(): User {
    return {
      id: this.botInfo.id,
      is_bot: true,
      first_name: this.botInfo.first_name,
      username: this.botInfo.username,
    };
  }

  unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  emit<E extends keyof EmulatorEvents>(event: E, ...args: EmulatorEvents[E]): void {
    this.events.emit(event, ...args);
  }

  registerChat(registration: ChatRegistration): Chat {
    const { id, type } = registration;
    if (!Number.isSafeInteger(id) || id === 0) throw new Error(`emulator: chat id must be a non-zero integer, got ${id}`);
    if (type === 'private' && id < 0) throw new Error('emulator: a private chat id is the user id and must be positive');
    if (type !== 'private' && id > 0) throw new Error('emulator: group and supergroup ids are negative');
    let chat: Chat;
    if (type === 'private') {
      chat = {
        id,
        type,
        first_name: registration.first_name ?? `User ${id}`,
        ...(registration.last_name ? { last_name: registration.last_name } : {}),
        ...(registration.username ? { username: registration.username } : {}),
      };
    } else {
      chat = {
        id,
        type,
        title: registration.title ?? `Group ${id}`,
        ...(type === 'supergroup' && registration.username ? { username: registration.username } : {}),
      } as Chat;
    }
    const existing = this.chats.get(id);
    if (existing) {
      existing.chat = chat;
      existing.botIsAdmin = registration.botIsAdmin ?? existing.botIsAdmin;
      existing.started = registration.started ?? existing.started;
    } else {
      this.chats.set(id, {
        chat,
        lastMessageId: 0,
        messages: new Map(),
        botIsAdmin: registration.botIsAdmin ?? false,
        started: registration.started ?? true,
      });
    }
    return chat;
  }

  nextMessageId(state: ChatState): number {
    return ++state.lastMessageId;
  }

  /** A live, non-deleted message, or undefined. */
  findMessage(chatId: number, messageId: number): StoredMessage | undefined {
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    return stored && !stored.deleted ? stored : undefined;
  }

  addTranscript(entry: Omit<TranscriptEntry, 'seq' | 'at'>): TranscriptEntry {
    const full: TranscriptEntry = { seq: this.nextSeq(), at: this.now(), ...entry };
    this.transcript.push(full);
    this.emit('transcript', full);
    return full;
  }

  addRecord(record: Omit<BotMessageRecord, 'seq' | 'at'>): BotMessageRecord {
    const full: BotMessageRecord = { seq: this.nextSeq(), at: this.now(), ...record };
    this.records.push(full);
    this.emit('bot-message', full);
    return full;
  }

  storeFile(kind: FileKind, bytes: Buffer, filename: string | undefined, declaredMime?: string, url?: string): StoredFile {
    const n = ++this.fileCounter;
    const mime = mimeTypeFor(filename ?? '', declaredMime, bytes);
    const name = filename ?? `${kind}_${n}.${extensionFor(mime)}`;
    const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1] ?? extensionFor(mime);
    const file: StoredFile = {
      file_id: `${FILE_ID_PREFIX[kind]}${n.toString(36)}${randomBytes(12).toString('base64url')}`,
      file_unique_id: `AQAD${n.toString(36)}${randomBytes(4).toString('base64url')}`,
      file_path: `${FILE_DIRECTORY[kind]}/file_${n}.${extension}`,
      file_size: bytes.length,
      filename: name,
      mime,
      kind,
      bytes,
      ...(url ? { url } : {}),
    };
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return file;
  }

  /** Queues a hand-made update (a new update_id is assigned when it has none). */
  deliverRaw(update: Omit<Update, 'update_id'> & { update_id?: number }): Update {
    const full = this.queue.enqueue(update);
    this.emit('update', full);
    return full;
  }

  sendUserMessage(spec: UserMessageSpec): SentUserMessage {
    const from = toUser(spec.from);
    if (this.blockedBy.has(from.id)) {
      throw new Error(`emulator: user ${from.id} has blocked the bot; call setBotBlocked(${from.id}, false) first`);
    }
    const chatId = spec.chatId ?? from.id;
    let state = this.chats.get(chatId);
    if (!state) {
      if (chatId !== from.id) throw new Error(`emulator: unknown chat ${chatId}; registerChat it first`);
      this.registerChat({
        id: from.id,
        type: 'private',
        first_name: from.first_name,
        ...(from.last_name ? { last_name: from.last_name } : {}),
        ...(from.username ? { username: from.username } : {}),
      });
      state = this.chats.get(chatId)!;
    }
    if (state.chat.type === 'private') {
      if (chatId !== from.id) throw new Error('emulator: in a private chat only its user can write');
      state.started = true;
    }

    const message = this.buildUserMessage(state, from, spec);
    state.messages.set(message.message_id, { message, fromBot: false, deleted: false });
    this.addTranscript({ chat_id: chatId, direction: 'user', kind: 'message', message_id: message.message_id, message });

    const delivered = this.reachesBot(state, message);
    const update = delivered ? this.deliverRaw({ message } as Omit<Update, 'update_id'>) : undefined;
    return { message, update, delivered };
  }

  /** The user edits one of their messages: an edited_message update. */
  editUserMessage(chatId: number, messageId: number, text: string): { message: Message; update: Update } {
    const stored = this.findMessage(chatId, messageId);
    if (!stored || stored.fromBot) throw new Error(`emulator: no user message ${messageId} in chat ${chatId}`);
    if (stored.message.text === undefined) throw new Error('emulator: only text messages can be edited this way');
    checkUserText(text, MAX_TEXT_LENGTH, 'text');
    const entities = detectEntities(text);
    const { entities: _old, ...rest } = stored.message;
    const message: Message = {
      ...rest,
      text,
      ...(entities.length ? { entities } : {}),
      edit_date: this.unixNow(),
    };
    stored.message = message;
    this.addTranscript({ chat_id: chatId, direction: 'user', kind: 'edit', message_id: messageId, message });
    return { message, update: this.deliverRaw({ edited_message: message } as Omit<Update, 'update_id'>) };
  }

  pressButton(press: ButtonPress): PressedButton {
    const stored = this.findMessage(press.chatId, press.messageId);
    if (!stored) throw new Error(`emulator: no message ${press.messageId} in chat ${press.chatId}`);
    if (!stored.fromBot) throw new Error('emulator: only the bot\'s messages have buttons');
    if (!press.force) {
      const available = callbackDataOf(stored.message.reply_markup);
      if (!available.includes(press.data)) {
        throw new Error(
          `emulator: message ${press.messageId} has no button with callback_data ${JSON.stringify(press.data)} ` +
            `(it has ${JSON.stringify(available)}); pass force: true to press it anyway`,
        );
      }
    }
    const from = toUser(press.from);
    const id = `${this.botInfo.id}${(++this.callbackCounter).toString().padStart(6, '0')}${randomBytes(3).toString('hex')}`;
    const callbackQuery: CallbackQuery = {
      id,
      from,
      message: stored.message,
      chat_instance: String(Math.abs(press.chatId * 7919 + this.botInfo.id)),
      data: press.data,
    } as CallbackQuery;
    this.callbackQueries.set(id, { chatId: press.chatId, messageId: press.messageId, answered: false });
    this.addTranscript({
      chat_id: press.chatId,
      direction: 'user',
      kind: 'callback_query',
      message_id: press.messageId,
      callback_query: callbackQuery,
    });
    return { update: this.deliverRaw({ callback_query: callbackQuery }), callbackQuery };
  }

  /**
   * The user blocks (or unblocks) the bot. Telegram tells the bot with a my_chat_member update, and
   * from then on every send to that user is refused with 403.
   */
  setBotBlocked(userId: number, blocked: boolean): Update | undefined {
    if (blocked === this.blockedBy.has(userId)) return undefined;
    if (blocked) this.blockedBy.add(userId);
    else this.blockedBy.delete(userId);
    const state = this.chats.get(userId);
    if (!state || state.chat.type !== 'private') return undefined;
    const user: User = { id: userId, is_bot: false, first_name: state.chat.first_name };
    const member = { user: this.botUser };
    return this.deliverRaw({
      my_chat_member: {
        chat: state.chat,
        from: user,
        date: this.unixNow(),
        old_chat_member: blocked ? { ...member, status: 'member' } : { ...member, status: 'kicked', until_date: 0 },
        new_chat_member: blocked ? { ...member, status: 'kicked', until_date: 0 } : { ...member, status: 'member' },
      },
    } as Omit<Update, 'update_id'>);
  }

  private buildUserMessage(state: ChatState, from: User, spec: UserMessageSpec): Message {
    const content = ['text', 'photo', 'document', 'voice', 'sticker', 'location', 'contact'].filter(
      (key) => spec[key as keyof UserMessageSpec] !== undefined,
    );
    if (content.length !== 1) {
      throw new Error(`emulator: a user message has exactly one of text/photo/document/voice/sticker/location/contact, got ${content.join(', ') || 'none'}`);
    }
    if (spec.caption !== undefined && !['photo', 'document', 'voice'].includes(content[0]!)) {
      throw new Error('emulator: only photo, document and voice messages have a caption');
    }

    const message: Record<string, unknown> = {
      message_id: this.nextMessageId(state),
      from,
      chat: state.chat,
      date: this.unixNow(),
    };
    if (spec.replyTo !== undefined) {
      const target = this.findMessage(state.chat.id, spec.replyTo);
      if (!target) throw new Error(`emulator: no message ${spec.replyTo} to reply to in chat ${state.chat.id}`);
      const { reply_to_message: _nested, ...replied } = target.message;
      message.reply_to_message = replied;
    }
    if (spec.text !== undefined) {
      checkUserText(spec.text, MAX_TEXT_LENGTH, 'text');
      message.text = spec.text;
      const entities = spec.entities ?? detectEntities(spec.text);
      if (entities.length) message.entities = entities;
    }
    if (spec.caption !== undefined) {
      checkUserText(spec.caption, MAX_CAPTION_LENGTH, 'caption');
      message.caption = spec.caption;
      const entities = detectEntities(spec.caption);
      if (entities.length) message.caption_entities = entities;
    }
    if (spec.photo) {
      const bytes = Buffer.from(spec.photo.data ?? PLACEHOLDER_PNG);
      const size = imageSize(bytes);
      const file = this.storeFile('photo', bytes, spec.photo.fileName, spec.photo.mimeType);
      message.photo = [
        {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          width: spec.photo.width ?? size?.width ?? 1,
          height: spec.photo.height ?? size?.height ?? 1,
          file_size: file.file_size,
        },
      ];
    }
    if (spec.document) {
      const bytes = Buffer.from(spec.document.data ?? Buffer.from('placeholder document\n'));
      const file = this.storeFile('document', bytes, spec.document.fileName ?? 'document.txt', spec.document.mimeType);
      message.document = {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_name: file.filename,
        mime_type: file.mime,
        file_size: file.file_size,
      };
    }
    if (spec.voice) {
      const bytes = Buffer.from(spec.voice.data ?? Buffer.from('OggS placeholder voice'));
      const file = this.storeFile('voice', bytes, spec.voice.fileName ?? 'voice.ogg', spec.voice.mimeType ?? 'audio/ogg');
      message.voice = {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        duration: spec.voice.duration ?? 3,
        mime_type: file.mime,
        file_size: file.file_size,
      };
    }
    if (spec.sticker) {
      const file = this.storeFile('sticker', Buffer.from('RIFF placeholder sticker'), 'sticker.webp', 'image/webp');
      message.sticker = {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        type: 'regular',
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
        emoji: spec.sticker.emoji ?? '👍',
        ...(spec.sticker.setName ? { set_name: spec.sticker.setName } : {}),
        file_size: file.file_size,
      };
    }
    if (spec.location) message.location = { ...spec.location };
    if (spec.contact) message.contact = { ...spec.contact };
    return message as unknown as Message;
  }

  /**
   * Privacy mode: in groups a bot that is not an admin and has not disabled privacy sees only
   * commands (addressed to it or to no bot) and replies to its own messages.
   */
  private reachesBot(state: ChatState, message: Message): boolean {
    if (state.chat.type === 'private') return true;
    if (this.botInfo.can_read_all_group_messages || state.botIsAdmin) return true;
    const replied = message.reply_to_message;
    if (replied && replied.from?.id === this.botInfo.id) return true;
    const text = message.text ?? message.caption ?? '';
    const entities: MessageEntity[] = message.entities ?? message.caption_entities ?? [];
    const username = this.botInfo.username.toLowerCase();
    return entities.some((e) => {
      if (e.type !== 'bot_command') return false;
      const command = text.slice(e.offset, e.offset + e.length);
      const at = command.indexOf('@');
      return at < 0 || command.slice(at + 1).toLowerCase() === username;
    });
  }
}

function toUser(spec: UserSpec): User {
  if (!Number.isSafeInteger(spec.id) || spec.id <= 0) throw new Error(`emulator: user id must be a positive integer, got ${spec.id}`);
  if (!spec.first_name) throw new Error('emulator: a user needs a first_name');
  return { is_bot: false, ...spec };
}

function checkUserText(text: string, max: number, what: string): void {
  if (text.trim().length === 0) throw new Error(`emulator: a user cannot send an empty ${what}`);
  if (text.length > max) throw new Error(`emulator: a Telegram client does not send a ${what} longer than ${max}`);
  if (!isValidUtf8Text(text)) throw new Error(`emulator: ${what} has a lone surrogate`);
}
