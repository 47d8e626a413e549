import { existsSync } from 'node:fs';
import { createApp } from './app.ts';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { createLogger, safeDescription, secretsOf } from './logger.ts';
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
  const secrets = secretsOf(config);
  const logger = createLogger(config.logLevel, { secrets });

  let stop: () => Promise<void> = async () => {};
  let stopping = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A stop that hangs after a crash must not keep a broken process alive.
    if (exitCode !== 0) setTimeout(() => process.exit(exitCode), 10_000).unref();
    stop()
      .then(() => process.exit(exitCode))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  // Whatever escapes is logged through the safe logger (Node's default would print the whole error, a
  // Telegram URL with the token or a refused payload included) and ends the process cleanly.
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; stopping');
    shutdown('unhandledRejection', 1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; stopping');
    shutdown('uncaughtException', 1);
  });

  try {
    if (config.botToken && !process.argv.includes('--sandbox')) {
      const { runner } = createApp({ config, token: config.botToken, logger, onFatal: () => process.exit(1) });
      stop = () => runner.stop();
      await runner.start();
    } else {
      logger.info('running the local sandbox; set BOT_TOKEN to connect to Telegram');
      const sandbox = await startSandbox({ config, logger, seed: process.argv.includes('--seed') });
      stop = () => sandbox.stop();
    }
  } catch (error) {
    // One line for the operator (a second instance, Telegram unreachable at start), secrets masked.
    process.stderr.write(`Minyi could not start: ${safeDescription(error instanceof Error ? error.message : String(error), secrets)}\n`);
    process.exit(1);
  }

  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Minyi could not start: ${safeDescription(error instanceof Error ? error.message : String(error))}\n`);
  process.exit(1);
});
