import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleMedia } from './fake-media-provider';
import { handleAnthropicMessages, handleGemini } from './fake-native-providers';

/** Where the fake serves what it received, so test files in another module registry can read it. */
export const RECORDED_PATH = '/_e2e/recorded';

/** A request the fake upstream received, kept so a test can see what LiteLLM actually sent on. */
export interface RecordedUpstreamRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A running fake OpenAI-compatible server. */
export interface FakeOpenAi {
  url: string;
  requests: RecordedUpstreamRequest[];
  close(): Promise<void>;
}

/** The model name the fake reports; it is in LiteLLM's bundled price list, so LiteLLM computes a real cost. */
export const FAKE_UPSTREAM_MODEL = 'gpt-4o-mini';

/** Deterministic reply text, so a direct call and a call through the sidecar get the same content. */
export function describeReply(body: unknown): string {
  const text = JSON.stringify(body ?? null);
  let sum = 0;
  for (const ch of text) sum = (sum * 31 + ch.charCodeAt(0)) >>> 0;
  return `Fake upstream reply ${sum.toString(16)}: the sky is blue because of Rayleigh scattering.`;
}

const PROMPT_TOKENS = 17;

function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The body as JSON; a form (multipart, an audio upload) is kept as its raw bytes. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers['content-type']?.startsWith('multipart/')) {
        resolve(Buffer.concat(chunks));
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(raw === '' ? null : JSON.parse(raw));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function startSse(res: ServerResponse): (payload: unknown, event?: string) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  return (payload, event) => {
    if (event !== undefined) res.write(`event: ${event}\n`);
    res.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  };
}

/** Splits a reply into a few stream pieces, the way a real provider streams words. */
function splitReply(text: string): string[] {
  const words = text.split(' ');
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += 4) pieces.push(words.slice(i, i + 4).join(' ') + (i + 4 < words.length ? ' ' : ''));
  return pieces;
}

function handleChat(body: Record<string, unknown>, res: ServerResponse): void {
  const reply = describeReply(body.messages);
  const completionTokens = countTokens(reply);
  const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: completionTokens, total_tokens: PROMPT_TOKENS + completionTokens };
  const base = { id: 'chatcmpl-fake-1', created: 1_764_000_000, model: FAKE_UPSTREAM_MODEL, system_fingerprint: 'fp_fake' };
  if (body.stream !== true) {
    sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop', logprobs: null }],
      usage,
    });
    return;
  }
  const send = startSse(res);
  const chunk = { ...base, object: 'chat.completion.chunk' };
  send({ ...chunk, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  for (const piece of splitReply(reply)) send({ ...chunk, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  send({ ...chunk, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage === true) send({ ...chunk, choices: [], usage });
  send('[DONE]');
  res.end();
}

function handleEmbeddings(body: Record<string, unknown>, res: ServerResponse): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const vector = [0.1, 0.2, 0.3, 0.4];
  const base64 = body.encoding_format === 'base64';
  sendJson(res, 200, {
    object: 'list',
    model: 'text-embedding-3-small',
    // Like OpenAI: base64 little-endian float32 when asked (the openai npm client asks by default).
    data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector })),
    usage: { prompt_tokens: 5 * inputs.length, total_tokens: 5 * inputs.length },
  });
}

function handleResponses(body: Record<string, unknown>, res: ServerResponse): void {
  const reply = describeReply(body.input);
  const outputTokens = countTokens(reply);
  const usage = {
    input_tokens: PROMPT_TOKENS,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: PROMPT_TOKENS + outputTokens,
  };
  const message = { id: 'msg_fake_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: reply, annotations: [] }] };
  const response = {
    id: 'resp_fake_1',
    object: 'response',
    created_at: 1_764_000_000,
    status: 'completed',
    model: FAKE_UPSTREAM_MODEL,
    output: [message],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage,
  };
  if (body.stream !== true) {
    sendJson(res, 200, response);
    return;
  }
  const send = startSse(res);
  let seq = 0;
  const emit = (type: string, rest: Record<string, unknown>) => send({ type, sequence_number: seq++, ...rest }, type);
  const pending = { ...response, status: 'in_progress', output: [], usage: null };
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  emit('response.output_item.added', { output_index: 0, item: { ...message, status: 'in_progress', content: [] } });
  emit('response.content_part.added', { item_id: message.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
  for (const piece of splitReply(reply)) emit('response.output_text.delta', { item_id: message.id, output_index: 0, content_index: 0, delta: piece });
  emit('response.output_text.done', { item_id: message.id, output_index: 0, content_index: 0, text: reply });
  emit('response.content_part.done', { item_id: message.id, output_index: 0, content_index: 0, part: message.content[0] });
  emit('response.output_item.done', { output_index: 0, item: message });
  emit('response.completed', { response });
  res.end();
}

/**
 * Starts a fake upstream on 127.0.0.1 port 0: OpenAI-compatible chat (streamed or not), embeddings and Responses
 * API, and the native Gemini and Anthropic APIs (fake-native-providers.ts).
 */
export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: RecordedUpstreamRequest[] = [];
  const server: Server = createServer((req, res) => {
    readJson(req)
      .then((body) => {
        const [path = '/', search = ''] = (req.url ?? '/').split('?');
        if (req.method === 'GET' && path === RECORDED_PATH) return sendJson(res, 200, requests);
        // A form is recorded by its size: the test reads what LiteLLM sent on, not the audio.
        requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body: Buffer.isBuffer(body) ? { multipartBytes: body.length } : body });
        const payload = (body ?? {}) as Record<string, unknown>;
        if (path.endsWith('/chat/completions')) return handleChat(payload, res);
        if (path.endsWith('/embeddings')) return handleEmbeddings(payload, res);
        if (path.endsWith('/responses')) return handleResponses(payload, res);
        // Native provider APIs, for LiteLLM's /gemini and /anthropic pass-through (GEMINI_API_BASE, ANTHROPIC_API_BASE).
        if (path.includes('/models/') && path.includes(':') && handleGemini(path, new URLSearchParams(search), res)) return;
        if (path === '/v1/messages') return handleAnthropicMessages(payload, res);
        if (handleMedia(path, req, body, res)) return;
        sendJson(res, 404, { error: { message: `fake upstream has no route ${path}`, type: 'not_found', param: null, code: null } });
      })
      .catch((error: unknown) => sendJson(res, 400, { error: { message: String(error), type: 'invalid_request_error', param: null, code: null } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
