/**
 * npx tsx test/knowledge/eval-with-standin.ts FILE.jsonl [eval:kb options]
 * Runs `npm run eval:kb` on the LLM path against the local OpenAI stand-in (127.0.0.1 only): classification is
 * answered with the offline classifier's label, knowledge answers by the stand-in's knowledge-answer mode.
 * This measures the plumbing and the business check on a well-behaved "model", not a real model's quality.
 */
import { spawn } from 'node:child_process';
import { createOfflineClassifier, loadExamples } from '../../src/classify/offline/offline-classifier.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { createOpenAiStandin, knowledgeAnswerResponder } from '../support/openai-standin.ts';

const offline = createOfflineClassifier({ catalogue: loadCatalogue(), examples: loadExamples() });
const standin = createOpenAiStandin();
standin.setResponder(
  knowledgeAnswerResponder((request) => {
    const { report } = JSON.parse(request.lastUserText) as { report: string };
    return offline.classifySync(report);
  }),
);
await standin.start();
try {
  // Asynchronous, so the stand-in in this process keeps answering while the evaluation runs.
  const child = spawn('npx', ['tsx', 'src/cli/eval-kb.ts', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, OPENAI_API_KEY: 'sk-standin', OPENAI_BASE_URL: standin.baseURL, OPENAI_MAX_RETRIES: '0', LLM_CONCURRENCY: '8' },
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  process.exitCode = code;
} finally {
  await standin.stop();
}
