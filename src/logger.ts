import pino, { type Logger } from 'pino';

/**
 * JSON logs for operators; pretty lines only when a person is watching a terminal in development.
 * Secrets never reach a log line: the config is never logged whole, and these paths are censored anyway.
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  return pino({
    level,
    redact: {
      paths: ['token', 'botToken', 'apiKey', 'config.botToken', 'config.llm.apiKey', '*.apiKey', '*.token', 'headers.authorization'],
      censor: '[secret]',
    },
    ...(pretty && { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } }),
  });
}
