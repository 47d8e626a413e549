import { existsSync } from 'node:fs';
import { createApp } from './app.ts';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { startSandbox } from './sandbox/sandbox.ts';

/**
 * The only place that starts things: reads the configuration, opens the database, starts the bot
 * (or, without BOT_TOKEN, the local sandbox), and shuts down once on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let stop: () => Promise<void>;
  if (config.botToken && !process.argv.includes('--sandbox')) {
    const app = createApp({ config, token: config.botToken, logger });
    await app.start();
    stop = () => app.stop();
  } else {
    logger.info('running the local sandbox; set BOT_TOKEN to connect to Telegram');
    const sandbox = await startSandbox({ config, logger, seed: process.argv.includes('--seed') });
    stop = () => sandbox.stop();
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Minyi could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
