import { sendJson, sendSse } from './support/fake-litellm';
import { postJson, sendRequest } from './support/http-client';
import { ATTR, readJsonAttribute, readMetadata, waitForTraceOf } from './support/span-helpers';
import { closeTestStack, startTestStack, type TestStack } from './support/test-stack';

// LiteLLM's native pass-through (/gemini, /vertex_ai, /anthropic), issue 12: the bytes go through untouched and
// the call is traced from Google's or Anthropic's own format. The real LiteLLM runs these in the e2e suite.
const GEMINI_REPLY = { candidates: [{ content: { role: 'model', parts: [{ text: 'Blue, by Rayleigh scattering.' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 5, totalTokenCount: 11 }, modelVersion: 'gemini-2.5-flash' };

describe('native pass-through routes', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await closeTestStack(stack);
  });

  test('Gemini generateContent: bytes untouched; model from the path, usage from usageMetadata; the ?key= never exported', async () => {
    stack.fake.handle = (_req, _body, res) => sendJson(res, 200, { ...GEMINI_REPLY, modelVersion: undefined });
    const key = 'sk-litellm-key-in-the-query';
    const response = await sendRequest(stack.sidecar.url, {
      method: 'POST',
      path: `/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${key}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Why blue?' }] }] }),
    });
    expect(JSON.parse(response.body.toString())).toEqual({ ...GEMINI_REPLY, modelVersion: undefined });
    expect(stack.fake.received.at(-1)?.url).toBe(`/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${key}`);
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(span.name).toBe('gemini gemini-2.5-flash');
    expect(span.attributes[ATTR.type]).toBe('generation');
    expect(span.attributes[ATTR.model]).toBe('gemini-2.5-flash');
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 6, output: 5, total: 11 });
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Blue, by Rayleigh scattering.' });
    expect(readMetadata(span)).toMatchObject({ route: 'gemini', path: '/gemini/v1beta/models/gemini-2.5-flash:generateContent' });
    for (const request of stack.langfuse.requests) expect(request.raw.includes(key)).toBe(false);
  });

  test('Gemini streamGenerateContent (alt=sse): events relayed as sent, output and completion start rebuilt from them', async () => {
    const events = ['Blue, ', 'by Rayleigh ', 'scattering.'].map((text, i, all) => `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text }] }, ...(i === all.length - 1 ? { finishReason: 'STOP' } : {}) }], ...(i === all.length - 1 ? { usageMetadata: GEMINI_REPLY.usageMetadata } : {}), modelVersion: 'gemini-2.5-flash' })}\r\n\r\n`);
    stack.fake.handle = (_req, _body, res) => sendSse(res, events, 2);
    const response = await sendRequest(stack.sidecar.url, {
      method: 'POST',
      path: '/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'sk-litellm-goog-key' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Why blue?' }] }] }),
    });
    expect(response.body.toString()).toBe(events.join(''));
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Blue, by Rayleigh scattering.' });
    expect(span.attributes[ATTR.completionStart]).toBeDefined();
    expect(readMetadata(span)).toMatchObject({ route: 'gemini-stream', stream: 'true', finish_reason: 'STOP', api_key_hash: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) });
    for (const request of stack.langfuse.requests) expect(request.raw.includes('sk-litellm-goog-key')).toBe(false);
  });

  test('Vertex AI Gemini embedContent is an embedding observation', async () => {
    stack.fake.handle = (_req, _body, res) => sendJson(res, 200, { embedding: { values: [0.1, 0.2, 0.3] } });
    const response = await postJson(stack.sidecar.url, '/vertex_ai/v1/projects/p/locations/us-central1/publishers/google/models/text-embedding-004:embedContent', { content: { parts: [{ text: 'embed me' }] } });
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(span.attributes[ATTR.type]).toBe('embedding');
    expect(span.attributes[ATTR.model]).toBe('text-embedding-004');
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ embeddings: 1, dimensions: 3 });
  });

  test('Anthropic /anthropic/v1/messages is traced like /v1/messages; countTokens routes are not traced', async () => {
    stack.fake.handle = (req, _body, res) =>
      req.url?.includes('count') ? sendJson(res, 200, { input_tokens: 4 }) : sendJson(res, 200, { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Blue.' }], stop_reason: 'end_turn', usage: { input_tokens: 4, output_tokens: 2 } });
    const message = await postJson(stack.sidecar.url, '/anthropic/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'Sky?' }] }, { 'x-api-key': 'sk-litellm-x-api-key' });
    const span = await waitForTraceOf(stack.langfuse, message);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Blue.' });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 4, output: 2, total: 6 });
    const counted = await postJson(stack.sidecar.url, '/anthropic/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: [] });
    expect(counted.headers['x-langfuse-trace-id']).toBeUndefined();
    const gemini = await postJson(stack.sidecar.url, '/gemini/v1beta/models/gemini-2.5-flash:countTokens', { contents: [] });
    expect(gemini.headers['x-langfuse-trace-id']).toBeUndefined();
  });
});
