import { existsSync } from 'node:fs';
import pino from 'pino';
import { classifierFromEnv } from './classifier-from-env.ts';

/** npm run classify -- "text" [--offline]: the classification as JSON, as the bot would see it. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const offlineOnly = args.includes('--offline');
  const text = args.filter((a) => a !== '--offline').join(' ').trim();
  if (!text) {
    process.stderr.write('usage: npm run classify -- "text to classify" [--offline]\n');
    process.exit(2);
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { classifier, close } = classifierFromEnv({ offlineOnly, logger: pino({ level: 'silent' }) });
  try {
    const outcome = await classifier.classify(text, { residentId: null });
    process.stdout.write(`${JSON.stringify({ ...outcome.classification, classifier: outcome.by, ...(outcome.reason && { note: outcome.reason }) }, null, 2)}\n`);
  } finally {
    close();
  }
}

await main();
