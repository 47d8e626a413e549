import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackQuery, Message, MessageEntity, Update, UserFromGetMe } from 'grammy/types';
import type { ReplyMarkup } from './reply-markup.ts';

export type { ReplyMarkup };

export interface BotApiEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. Anything else throws. */
  host?: string;
  botInfo?: Partial<UserFromGetMe>;
  /** When set, only this token is accepted (others get 401 Unauthorized); otherwise any well-formed token. */
  token?: string;
  /** Reject a bare `&` in HTML (default true). False copies it through as Telegram does. */
  strictHtmlEntities?: boolean;
  /** Clock for message dates and record times, in milliseconds (default Date.now). */
  now?: () => number;
  webhook?: {
    /** First retry delay after a failed delivery; doubles up to retryMaxMs (defaults 1000 / 60000). */
    retryBaseMs?: number;
    retryMaxMs?: number;
    /** How long a webhook may take to answer (default 30000). */
    timeoutMs?: number;
  };
  /**
   * Called for requests the emulator does not route itself, so a sandbox page can be served from the
   * same origin. Return true when the request was answered.
   */
  fallback?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /**
   * When set, every request to the control API (/_emulator/…) must carry this token, and those that
   * change something must be JSON (the sandbox: keeps other web pages from driving it). See control-api.ts.
   */
  controlToken?: string;
}

export type ChatType = 'private' | 'group' | 'supergroup';

export interface ChatRegistration {
  id: number;
  type: ChatType;
  /** Groups only. Defaults to "Group <id>". */
  title?: string;
  username?: string;
  /** Private chats only. Defaults to "User <id>". */
  first_name?: string;
  last_name?: string;
  /** Groups: an admin bot sees every message even in privacy mode (default false). */
  botIsAdmin?: boolean;
  /** Private chats: whether the user has started the bot (default true); if not, the bot may not write first. */
  started?: boolean;
}

export interface UserSpec {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: true;
}

export interface UserFileSpec {
  /** The bytes the user uploads (default: a few placeholder bytes, or a 1×1 PNG for photos). */
  data?: Uint8Array;
  fileName?: string;
  mimeType?: string;
}

export interface UserMessageSpec {
  /** Defaults to the sender's private chat (chat id = user id). */
  chatId?: number;
  from: UserSpec;
  text?: string;
  /** Entities for `text`; when omitted, commands, mentions, hashtags, links and e-mails are detected. */
  entities?: MessageEntity[];
  caption?: string;
  photo?: UserFileSpec & { width?: number; height?: number };
  document?: UserFileSpec;
  voice?: UserFileSpec & { duration?: number };
  sticker?: { emoji?: string; setName?: string };
  location?: { latitude: number; longitude: number };
  contact?: { phone_number: string; first_name: string; last_name?: string; user_id?: number };
  /** Message id in the same chat this message replies to. */
  replyTo?: number;
}

export interface SentUserMessage {
  message: Message;
  /** The update queued for the bot; undefined when privacy mode keeps a group message from the bot. */
  update: Update | undefined;
  delivered: boolean;
}

export interface ButtonPress {
  chatId: number;
  messageId: number;
  data: string;
  from: UserSpec;
  /** Press even if the message has no button with this data (stale or forged buttons). */
  force?: boolean;
}

export interface PressedButton {
  update: Update;
  callbackQuery: CallbackQuery;
}

export type FileKind = 'photo' | 'document' | 'voice' | 'sticker';

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  file_size: number;
  filename: string;
  mime: string;
  kind: FileKind;
  bytes: Buffer;
  /** Set when the bot sent a URL instead of bytes; the emulator does not fetch it. */
  url?: string;
}

export type BotMessageMethod =
  | 'sendMessage'
  | 'sendPhoto'
  | 'sendDocument'
  | 'sendVoice'
  | 'editMessageText'
  | 'editMessageCaption'
  | 'editMessageReplyMarkup';

/** One message the bot sent or edited, as the resident sees it. */
export interface BotMessageRecord {
  seq: number;
  /** Milliseconds, from the emulator's clock. */
  at: number;
  method: BotMessageMethod;
  chat_id: number;
  message_id: number;
  /** The text as displayed, after parse_mode was applied. */
  text?: string;
  caption?: string;
  /** `text` or `caption` exactly as the bot sent it (with markup). */
  raw?: string;
  parse_mode?: string;
  entities?: MessageEntity[];
  reply_markup?: ReplyMarkup;
  file?: { file_id: string; kind: FileKind; filename: string; mime: string; bytes: Buffer; url?: string };
  /** The message as it stands after this call. */
  message: Message;
}

export interface TranscriptEntry {
  seq: number;
  at: number;
  chat_id: number;
  direction: 'user' | 'bot';
  kind: 'message' | 'edit' | 'delete' | 'callback_query';
  message_id: number;
  message?: Message;
  callback_query?: CallbackQuery;
  /** For the bot's side, the API method that produced the entry. */
  method?: string;
}

export interface CallbackAnswer {
  callback_query_id: string;
  at: number;
  chat_id?: number;
  message_id?: number;
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
}

export interface ChatActionRecord {
  at: number;
  chat_id: number;
  action: string;
}

export interface RequestLogEntry {
  seq: number;
  at: number;
  method: string;
  params: Record<string, unknown>;
  /** Files uploaded with the call (multipart), without their bytes. */
  files?: Array<{ field: string; filename: string; size: number }>;
  /** HTTP status answered; 0 when the socket was destroyed without an answer. */
  status: number;
  ok: boolean;
  description?: string;
  fault?: FaultKind;
  duration_ms: number;
}

export type FaultKind = 'too_many_requests' | 'server_error' | 'network' | 'blocked' | 'delay';

export interface FaultSpec {
  /** Method name (case-insensitive) or pattern; omitted = every Bot API method. */
  method?: string | RegExp;
  /** Only calls whose chat_id is this. */
  chatId?: number;
  /** How many matching calls fail (default 1; Infinity for all). */
  times?: number;
  kind: FaultKind;
  /** too_many_requests: seconds in parameters.retry_after (default 1). */
  retryAfter?: number;
  /** delay: how long to hold the call before running it (default 1000). */
  delayMs?: number;
  /** server_error: 500 (JSON, default) or 502/503/504 (an nginx HTML page, as Telegram's front ends send). */
  status?: 500 | 502 | 503 | 504;
  /** server_error and network: run the method first, then lose the answer (the message *was* sent). */
  afterExecute?: boolean;
}

export interface FaultHandle {
  readonly id: number;
  /** Calls this fault has hit so far. */
  readonly hits: number;
  readonly remaining: number;
  remove(): void;
}

export interface EmulatorEvents {
  'bot-message': [BotMessageRecord];
  transcript: [TranscriptEntry];
  update: [Update];
  request: [RequestLogEntry];
  'chat-action': [ChatActionRecord];
  'callback-answer': [CallbackAnswer];
}
