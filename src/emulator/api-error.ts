import type { ResponseParameters } from 'grammy/types';

/** A refusal in Telegram's shape; the HTTP status equals error_code, as Telegram answers. */
export class ApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
  }

  toJSON(): { ok: false; error_code: number; description: string; parameters?: ResponseParameters } {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, `Bad Request: ${message}`);
export const forbidden = (message: string): ApiError => new ApiError(403, `Forbidden: ${message}`);
