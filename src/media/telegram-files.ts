import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Api } from 'grammy';

/** Telegram's cloud Bot API serves files up to 20 MB to bots; larger ones are refused before any download. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

export type FetchedFile = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too_big' | 'gone' | 'unavailable' };

/** Downloads a file a resident sent, through the Bot API (getFile, then the file URL). */
export interface TelegramFiles {
  fetch(fileId: string, knownSize: number | null): Promise<FetchedFile>;
}

export function createTelegramFiles(deps: { api: Api; apiRoot: string; token: string; timeoutMs?: number }): TelegramFiles {
  const timeoutMs = deps.timeoutMs ?? 30_000;
  return {
    async fetch(fileId, knownSize) {
      if (knownSize !== null && knownSize > MAX_DOWNLOAD_BYTES) return { ok: false, reason: 'too_big' };
      let path: string | undefined;
      let size: number | undefined;
      try {
        const file = await deps.api.getFile(fileId);
        path = file.file_path;
        size = file.file_size;
      } catch (error) {
        const description = (error as { description?: string }).description ?? '';
        if (/too big/i.test(description)) return { ok: false, reason: 'too_big' };
        if ((error as { error_code?: number }).error_code === 400) return { ok: false, reason: 'gone' };
        return { ok: false, reason: 'unavailable' };
      }
      if (!path) return { ok: false, reason: 'gone' };
      if (size !== undefined && size > MAX_DOWNLOAD_BYTES) return { ok: false, reason: 'too_big' };
      try {
        // A self-hosted Bot API server (--local) answers with an absolute path on its own disk.
        if (isAbsolute(path)) return { ok: true, bytes: await readFile(path) };
        const response = await fetch(`${deps.apiRoot}/file/bot${deps.token}/${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        if (response.status === 404) return { ok: false, reason: 'gone' };
        if (!response.ok) return { ok: false, reason: 'unavailable' };
        const bytes = new Uint8Array(await response.arrayBuffer());
        return bytes.length > MAX_DOWNLOAD_BYTES ? { ok: false, reason: 'too_big' } : { ok: true, bytes };
      } catch {
        return { ok: false, reason: 'unavailable' };
      }
    },
  };
}
