import { loadExamples, type LabelledExample } from '../../src/classify/offline/examples.ts';
import { clampSummary, detectLanguage, type Classification } from '../../src/domain/classification.ts';
import { redactPersonalData } from '../../src/domain/redact.ts';
import type { Responder, StandinRequest } from '../../test/support/openai-standin.ts';
import { seededRandom } from './stats.ts';

/**
 * What residents send in the benchmarks: texts from the labelled examples (prompts/examples.jsonl), so the
 * OpenAI stand-in can answer each with its true label, in the mix a district sees (few urgent reports).
 */

export interface StreamReport {
  resident: number;
  text: string;
  label: Classification;
}

const ADDITIONS = ['', '请尽快处理。', '希望有关部门重视。', '已经不是第一次了。', '谢谢！', '麻烦核实一下。', '家长们都很着急。', '盼回复。', '孩子每天都在抱怨。', '附近的家长都知道这事。'];

/** The share of urgent reports in the stream (the examples over-represent them for training). */
const URGENT_SHARE = 0.03;

export function labelOf(example: LabelledExample, text: string): Classification {
  return {
    category: example.category,
    kind: example.kind,
    urgent: example.urgent,
    unit: example.unit ?? null,
    summary: clampSummary(example.text).slice(0, 40),
    language: detectLanguage(text),
  };
}

function pools(): { urgent: LabelledExample[]; calm: LabelledExample[] } {
  const examples = loadExamples();
  return { urgent: examples.filter((e) => e.urgent), calm: examples.filter((e) => !e.urgent) };
}

/**
 * `residents` × `perResident` distinct reports in arrival order: each resident's messages are spread
 * through the burst (a seeded shuffle), as when many people write at once.
 */
export function intakeStream(residents: number, perResident: number, seed = 1): StreamReport[] {
  const random = seededRandom(seed);
  const { urgent, calm } = pools();
  const seen = new Map<string, number>();
  const stream: StreamReport[] = [];
  for (let r = 0; r < residents; r++) {
    for (let k = 0; k < perResident; k++) {
      const pool = random() < URGENT_SHARE ? urgent : calm;
      const example = pool[Math.floor(random() * pool.length)]!;
      let text = example.text + ADDITIONS[Math.floor(random() * ADDITIONS.length)]!;
      // Distinct texts: every report costs an LLM call unless the bot shares identical ones.
      const n = (seen.get(text) ?? 0) + 1;
      seen.set(text, n);
      if (n > 1) text += `（补充${n}）`;
      stream.push({ resident: r, text, label: labelOf(example, text) });
    }
  }
  for (let i = stream.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [stream[i], stream[j]] = [stream[j]!, stream[i]!];
  }
  return stream;
}

/**
 * A realistic stream with repeats: about `repeatShare` of the reports repeat an earlier one exactly or
 * with different whitespace or letter case (people paste the same complaint, or send it twice).
 */
export function streamWithRepeats(count: number, repeatShare: number, seed = 2): StreamReport[] {
  const random = seededRandom(seed);
  const examples = loadExamples();
  const stream: StreamReport[] = [];
  const variants: Array<(t: string) => string> = [
    (t) => t,
    (t) => `  ${t}  `,
    (t) => t.replace(/，/g, '， ').replace(/ /g, '  '),
    (t) => `${t}\n`,
    (t) => t.toUpperCase(),
    (t) => t.replace(/([a-z])/, (c) => c.toUpperCase()),
  ];
  for (let i = 0; i < count; i++) {
    if (stream.length > 0 && random() < repeatShare) {
      const original = stream[Math.floor(random() * stream.length)]!;
      const text = variants[Math.floor(random() * variants.length)]!(original.text);
      stream.push({ resident: Math.floor(random() * 300), text, label: original.label });
    } else {
      const example = examples[i % examples.length]!;
      stream.push({ resident: Math.floor(random() * 300), text: example.text, label: labelOf(example, example.text) });
    }
  }
  return stream;
}

/**
 * The stand-in's answers: each report's true label (looked up by its text), and for a grouping question the
 * most similar problem offered.
 */
export function labelResponder(stream: readonly StreamReport[]): Responder {
  const byText = new Map<string, Classification>();
  const squash = (s: string) => s.replace(/\s+/g, '').toLowerCase();
  // The model sees the text with personal data masked.
  for (const report of stream) byText.set(squash(redactPersonalData(report.text)), report.label);
  return (request: StandinRequest) => {
    let content: { report?: string; problems?: Array<{ id: number }> } = {};
    try {
      content = JSON.parse(request.lastUserText) as typeof content;
    } catch {
      // not JSON: answer the fallback label
    }
    if (request.schemaName === 'grouping_decision') return { same_as: content.problems?.[0]?.id ?? null };
    const label = byText.get(squash(content.report ?? ''));
    return label ?? { category: 'other', kind: 'complaint', urgent: false, unit: null, summary: (content.report ?? '').slice(0, 40) || '—', language: 'zh' };
  };
}
