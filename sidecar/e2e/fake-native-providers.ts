import type { ServerResponse } from 'node:http';

/*
 * Google's Gemini API and Anthropic's Messages API as the real providers speak them, for LiteLLM's native
 * pass-through routes (/gemini → GEMINI_API_BASE, /anthropic → ANTHROPIC_API_BASE). Shapes from the providers'
 * API references: GenerateContentResponse with usageMetadata; Message and its stream events.
 */

/** The model version the fake Gemini reports. */
export const FAKE_GEMINI_MODEL = 'gemini-2.5-flash';
/** The model the fake Anthropic reports. */
export const FAKE_ANTHROPIC_MODEL = 'claude-sonnet-4-5';

function sendJson(res: ServerResponse, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function startSse(res: ServerResponse): (payload: unknown, event?: string) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  return (payload, event) => {
    if (event !== undefined) res.write(`event: ${event}\n`);
    res.write(`data: ${JSON.stringify(payload)}\n\n`);
  };
}

const GEMINI_PIECES = ['Fake Gemini ', 'says the sky ', 'is blue.'];

/** `{model}:generateContent`, `:streamGenerateContent` (SSE with `alt=sse`, else a JSON array) and `:countTokens`. */
export function handleGemini(path: string, query: URLSearchParams, res: ServerResponse): boolean {
  const method = path.slice(path.lastIndexOf(':') + 1);
  const usageMetadata = { promptTokenCount: 9, candidatesTokenCount: 7, totalTokenCount: 16 };
  const chunk = (text: string, last: boolean) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    ...(last ? { usageMetadata } : {}),
    modelVersion: FAKE_GEMINI_MODEL,
    responseId: 'fake-gemini-response',
  });
  if (method === 'countTokens') {
    sendJson(res, { totalTokens: 9 });
    return true;
  }
  if (method === 'generateContent') {
    sendJson(res, { ...chunk(GEMINI_PIECES.join(''), true) });
    return true;
  }
  if (method === 'streamGenerateContent') {
    const chunks = GEMINI_PIECES.map((text, i) => chunk(text, i === GEMINI_PIECES.length - 1));
    if (query.get('alt') !== 'sse') {
      sendJson(res, chunks);
      return true;
    }
    const send = startSse(res);
    for (const payload of chunks) send(payload);
    res.end();
    return true;
  }
  return false;
}

/** Anthropic's `/v1/messages`, streamed or not. */
export function handleAnthropicMessages(body: Record<string, unknown>, res: ServerResponse): void {
  const text = 'Fake Claude says the sky is blue.';
  const message = { id: 'msg_fake_anthropic', type: 'message', role: 'assistant', model: FAKE_ANTHROPIC_MODEL, stop_reason: 'end_turn', stop_sequence: null };
  const usage = { input_tokens: 11, output_tokens: 8, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  if (body.stream !== true) {
    sendJson(res, { ...message, content: [{ type: 'text', text }], usage });
    return;
  }
  const send = startSse(res);
  send({ type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }, 'message_start');
  send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
  for (const piece of ['Fake Claude ', 'says the sky ', 'is blue.']) send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }, 'content_block_delta');
  send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
  send({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 8 } }, 'message_delta');
  send({ type: 'message_stop' }, 'message_stop');
  res.end();
}
