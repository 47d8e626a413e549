import { MINUTE } from '../domain/time.ts';
/** Media that came with a report (issue 16): pure rules, no Telegram, no OpenAI. */

export const MEDIA_KINDS = ['voice', 'audio', 'video_note', 'photo', 'video', 'document', 'animation'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** Media that is a report by itself, without a caption: something to listen to or to look at. */
export const SELF_STANDING: ReadonlySet<MediaKind> = new Set(['voice', 'audio', 'video_note', 'photo']);

/** How a resident and staff are told what the report is: something to listen to, or to look at. */
export type MediaSense = 'listen' | 'look';

export function mediaSense(kind: string | null): MediaSense | undefined {
  if (kind === 'voice' || kind === 'audio' || kind === 'video_note') return 'listen';
  if (kind === 'photo') return 'look';
  return undefined;
}

/** The mark staff see in lists and on the problem page: 🎤 for sound, 📷 for a photo. */
export function mediaMark(kind: string | null): string {
  const sense = mediaSense(kind);
  return sense === 'listen' ? '🎤' : sense === 'look' ? '📷' : '';
}

/** What Telegram told us about a file (before anything was downloaded). */
export interface MediaFile {
  kind: MediaKind;
  fileId: string;
  fileUniqueId?: string;
  /** Seconds, for voice, audio and video notes. */
  duration?: number;
  /** Bytes, when Telegram said. */
  size?: number;
  mimeType?: string;
}

/** Transcriptions the service rejected (not: was down) before a voice note is left to staff. */
export const MAX_TRANSCRIBE_FAILURES = 5;

/** Wait before trying a voice note again after `failures` failed tries: 2 s doubling, at most 10 minutes. */
export function transcriptionBackoffMs(failures: number): number {
  return Math.min(10 * MINUTE, 2000 * 2 ** Math.min(Math.max(failures - 1, 0), 16));
}

/** What the resident is shown of a transcript: its first line, at most `max` characters (code points). */
export function firstLineQuote(transcript: string, max = 120): string {
  const line = transcript.trim().split('\n', 1)[0]!.trim();
  const chars = Array.from(line);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}
