import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import OpenAI, { APIConnectionTimeoutError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { LengthFinishReasonError } from 'openai/core/error';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { createOpenAiStandin, toolCalls, type OpenAiStandin } from '../support/openai-standin.ts';

const Classification = z.object({
  category: z.enum(['facilities', 'teaching', 'safety', 'other']),
  urgent: z.boolean(),
  unit: z.string().nullable(),
  summary: z.string(),
});

let standin: OpenAiStandin;
let client: OpenAI;

beforeEach(async () => {
  standin = createOpenAiStandin();
  await standin.start();
  client = new OpenAI({ baseURL: standin.baseURL, apiKey: 'sk-test-secret', maxRetries: 0 });
});

afterEach(async () => {
  await standin.stop();
});

function classify(text: string, options: { timeout?: number } = {}) {
  return client.chat.completions.parse(
    {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Classify the resident report.' },
        { role: 'user', content: text },
      ],
      response_format: zodResponseFormat(Classification, 'classification'),
    },
    options,
  );
}

describe('the OpenAI stand-in', () => {
  it('answers a structured-output request from the responder, parsed by the SDK', async () => {
    standin.setResponder(({ lastUserText, schemaName, messages }) => ({
      category: lastUserText.includes('漏水') ? 'facilities' : 'other',
      urgent: false,
      unit: '第一中学',
      summary: `${schemaName}:${messages.length}`,
    }));
    const completion = await classify('第一中学宿舍漏水');
    const choice = completion.choices[0]!;
    expect(choice.message.parsed).toEqual({ category: 'facilities', urgent: false, unit: '第一中学', summary: 'classification:2' });
    expect(choice.finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(8);
    expect(completion.usage?.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);

    const [request] = standin.requests;
    expect(request?.headers.authorization).toBe('Bearer sk-test-secret');
    expect(JSON.stringify(request?.body)).not.toContain('sk-test-secret');
    expect(standin.counts.ok).toBe(1);
  });

  it('answers a schema-valid example when no responder is set', async () => {
    const completion = await classify('anything');
    expect(completion.choices[0]!.message.parsed).toEqual({ category: 'facilities', urgent: false, unit: 'example', summary: 'example' });
  });

  it('refuses a responder answer that breaks the schema, naming the problem', async () => {
    standin.setResponder(() => ({ category: 'weather', urgent: 'yes', unit: null, summary: 's' }));
    const error = await classify('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(String((error as Error).message)).toMatch(/\$\.category "weather" is not one of/);
    expect(standin.counts.responder_error).toBe(1);
  });

  it('times out when told to hold the request', async () => {
    standin.setMode('timeout');
    await expect(classify('x', { timeout: 200 })).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    expect(standin.counts.timeout).toBe(1);
  });

  it('fails with a 500 and a 429 carrying retry-after', async () => {
    standin.setMode('server_error');
    await expect(classify('x')).rejects.toBeInstanceOf(InternalServerError);
    standin.setMode('rate_limited', { retryAfterSeconds: 3 });
    const error = (await classify('x').catch((e: unknown) => e)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('3');
  });

  it('returns content the SDK cannot parse: not JSON, or JSON against the schema', async () => {
    standin.setMode('invalid_json');
    await expect(classify('x')).rejects.toBeInstanceOf(SyntaxError);
    standin.setMode('schema_violation');
    const error = await classify('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(z.ZodError);
  });

  it('reports a refusal in message.refusal with no parsed content', async () => {
    standin.setMode('refusal');
    const message = (await classify('x')).choices[0]!.message;
    expect(message.refusal).toMatch(/can't assist/);
    expect(message.content).toBeNull();
    expect(message.parsed).toBeNull();
  });

  it('sends a 200 whose body is not JSON, and a truncated answer', async () => {
    standin.setMode('garbage_http');
    await expect(classify('x')).rejects.toBeInstanceOf(SyntaxError);
    standin.setMode('length');
    await expect(classify('x')).rejects.toBeInstanceOf(LengthFinishReasonError);
  });

  it('plays queued modes once each, then the standing mode', async () => {
    standin.queueModes(['server_error', 'rate_limited']);
    await expect(classify('a')).rejects.toBeInstanceOf(InternalServerError);
    await expect(classify('b')).rejects.toBeInstanceOf(RateLimitError);
    await expect(classify('c')).resolves.toBeTruthy();
    expect(standin.requests.map((r) => r.outcome)).toEqual(['server_error', 'rate_limited', 'ok']);
  });

  it('lets the SDK retry a failure on its own', async () => {
    const retrying = new OpenAI({ baseURL: standin.baseURL, apiKey: 'k', maxRetries: 2 });
    standin.queueModes(['server_error']);
    standin.setResponder(() => ({ category: 'safety', urgent: true, unit: null, summary: 's' }));
    const completion = await retrying.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      response_format: zodResponseFormat(Classification, 'classification'),
    });
    expect(completion.choices[0]!.message.parsed?.category).toBe('safety');
    expect(standin.counts).toMatchObject({ server_error: 1, ok: 1 });
  });

  it('delays answers deterministically for a seed', async () => {
    standin.setLatency({ meanMs: 150, jitterMs: 50 });
    const started = Date.now();
    await classify('x');
    await classify('y');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const delays = standin.requests.map((r) => r.latencyMs);
    expect(delays.every((d) => d >= 100 && d <= 200)).toBe(true);
    expect(delays[0]).not.toBe(delays[1]);
    standin.reset();
    standin.setLatency({ meanMs: 150, jitterMs: 50 });
    await classify('x');
    await classify('y');
    expect(standin.requests.map((r) => r.latencyMs)).toEqual(delays);
    standin.reset();
    expect(standin.requests).toEqual([]);
    const quick = Date.now();
    await classify('x');
    expect(Date.now() - quick).toBeLessThan(100);
  });

  it('checks requests like the API: key, model, messages and a strict schema', async () => {
    const noKey = await fetch(`${standin.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(BadRequestError);
    const loose = client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'loose', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } } } },
      },
    });
    await expect(loose).rejects.toThrow(/additionalProperties/);
    expect(standin.counts).toMatchObject({ unauthorized: 1, bad_request: 2 });
  });

  it('answers with tool calls, takes their results back, and checks the conversation like the API', async () => {
    const tools = [zodFunction({ name: 'count_reports', description: 'Count reports', parameters: z.object({ unit: z.string().nullable() }) })];
    standin.setResponder((request) =>
      request.messages.some((m) => m.role === 'tool') ? `There were ${request.messages.at(-1)!.content} reports.` : toolCalls({ name: 'count_reports', arguments: { unit: '一中' } }),
    );
    const question = { role: 'user' as const, content: 'How many?' };
    const first = await client.chat.completions.create({ model: 'm', messages: [question], tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ unit: '一中' });
    expect(standin.requests[0]!.body).toMatchObject({ tools: [{ type: 'function', function: { name: 'count_reports', strict: true } }] });

    const assistant = first.choices[0]!.message;
    const second = await client.chat.completions.create({ model: 'm', messages: [question, assistant, { role: 'tool', tool_call_id: call.id, content: '7' }], tools });
    expect(second.choices[0]!.message.content).toBe('There were 7 reports.');

    await expect(client.chat.completions.create({ model: 'm', messages: [question, assistant], tools })).rejects.toThrow(/tool_call_ids did not have response messages/);
    await expect(client.chat.completions.create({ model: 'm', messages: [question, { role: 'tool', tool_call_id: 'x', content: '1' }] })).rejects.toThrow(/must be a response/);
    standin.setResponder(() => toolCalls({ name: 'count_reports', arguments: { unit: 3 } }));
    await expect(client.chat.completions.create({ model: 'm', messages: [question], tools })).rejects.toBeInstanceOf(InternalServerError);
    expect(standin.counts).toMatchObject({ ok: 2, bad_request: 2, responder_error: 1 });
  });
});
