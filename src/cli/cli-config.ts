import { existsSync } from 'node:fs';
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
