import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { BodyError, parseMultipart, readBody } from '../emulator/http-body.ts';

/**
 * The sandbox's voice and vision models (issue 16): an OpenAI-compatible `/v1/audio/transcriptions` and a
 * `/v1/chat/completions` that describes photos, on the sandbox's own port. The bot's real adapters
 * (src/classify/transcriber.ts, describer.ts) call it over HTTP through the official SDK, as they would a provider,
 * so the whole path — getFile, download, transcript, classification, "what we heard", a reply to correct it — can be
 * tried with no key and no network. It cannot hear or see: it answers with sample sentences that say so, picked by
 * the file's bytes so that different notes read differently.
 */

const TRANSCRIPTS = [
  '（沙盒示例转写）实验小学东门口的护栏松了，孩子放学都靠在上面，很危险，请尽快修一下。',
  '（沙盒示例转写）第一中学食堂这周的饭菜总是凉的，孩子中午吃不饱。',
  '（沙盒示例转写）和平路小学门口早上接送的车太多，孩子过马路很不安全。',
];
const DESCRIPTIONS = {
  zh: '（沙盒示例描述）照片中教室窗户的一块玻璃碎了，窗台上有玻璃碎片，旁边就是学生的座位。',
  en: '(sandbox sample description) A classroom window pane is broken; glass shards lie on the sill next to the pupils’ desks.',
};

const pick = <T>(items: readonly T[], bytes: Uint8Array): T => items[bytes.reduce((sum, b) => (sum + b) % 9973, 0) % items.length]!;

export function createModelStandin(deps: { apiKey: string }): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const expected = Buffer.from(`Bearer ${deps.apiKey}`);
  const authorised = (req: IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return async (req, res) => {
    if (req.method !== 'POST') return false;
    const path = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
    if (path !== '/v1/audio/transcriptions' && path !== '/v1/chat/completions') return false;
    // Only the bot of this start holds the key: another page or process on this machine gets nothing.
    if (!authorised(req)) return send(res, 401, { error: { message: 'wrong API key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    let body: Buffer;
    let file: { data: Buffer } | undefined;
    try {
      body = await readBody(req);
      const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(String(req.headers['content-type'] ?? ''));
      if (path === '/v1/audio/transcriptions' && boundary) file = parseMultipart(body, boundary[1] ?? boundary[2]!).find((part) => part.name === 'file');
    } catch (error) {
      if (error instanceof BodyError) return send(res, error.status, { error: { message: error.message, type: 'invalid_request_error', param: null, code: null } });
      throw error;
    }
    if (path === '/v1/audio/transcriptions') {
      if (!file) return send(res, 400, { error: { message: "Missing required parameter: 'file'.", type: 'invalid_request_error', param: 'file', code: null } });
      return send(res, 200, { text: pick(TRANSCRIPTS, file.data) });
    }
    let request: { model?: string; messages?: Array<{ content?: unknown }> };
    try {
      request = JSON.parse(body.toString('utf8')) as typeof request;
    } catch {
      return send(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } });
    }
    // Photos only: the sandbox classifies text offline and never asks this stand-in to.
    const asked = JSON.stringify(request.messages ?? []);
    if (!asked.includes('"image_url"')) return send(res, 400, { error: { message: 'the sandbox stand-in only describes photos', type: 'invalid_request_error', param: null, code: null } });
    const description = asked.includes('请用中文描述') ? DESCRIPTIONS.zh : DESCRIPTIONS.en;
    return send(res, 200, {
      id: `chatcmpl-sandbox-${Date.now()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model ?? 'sandbox-vision',
      choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify({ description, urgent: false }), refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  };
}

function send(res: ServerResponse, status: number, body: unknown): true {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
  return true;
}
