import { existsSync, readFileSync } from 'node:fs';
import type { ZodType } from 'zod';
import { ConfigError, parseConfig, type Config } from '../config.ts';

/** A command-line tool's refusal: one line on stderr, exit code 2. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** The configuration a tool runs with: the environment and `.env`, as the bot reads them; a bad value is one line. */
export function configFromEnv(): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`Configuration error: ${error.message}`);
    throw error;
  }
}

/**
 * An operator's labelled JSON Lines file, each line checked against `schema`; blank lines skipped. A line that is not
 * JSON or not of the schema ends the tool with one line naming the file, the line and the field.
 */
export function readJsonLines<T>(tool: string, file: string, schema: ZodType<T>): Array<{ data: T; line: number }> {
  if (!existsSync(file)) fail(`${tool}: no such file: ${file}`);
  const lines: Array<{ data: T; line: number }> = [];
  for (const [i, raw] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      fail(`${tool}: ${file}:${i + 1}: not valid JSON`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      fail(`${tool}: ${file}:${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    lines.push({ data: result.data, line: i + 1 });
  }
  return lines;
}
