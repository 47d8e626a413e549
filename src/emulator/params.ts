/**
 * Reading Bot API parameters: JSON bodies carry typed values, form bodies carry strings, and Telegram
 * accepts both, so every reader accepts both.
 */

export function asString(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function asNumber(params: Record<string, unknown>, key: string): number | undefined {
  const value = params[key];
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

export function asInteger(params: Record<string, unknown>, key: string): number | undefined {
  const value = asNumber(params, key);
  return value !== undefined && Number.isInteger(value) ? value : undefined;
}

export function asBoolean(params: Record<string, unknown>, key: string): boolean | undefined {
  const value = params[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}

/** A structured parameter, which form bodies carry as a JSON string. Unparseable strings come back as-is. */
export function asJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
