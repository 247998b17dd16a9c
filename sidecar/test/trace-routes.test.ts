import { sendJson, sendSse, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { postJson, sendRequest } from './support/http-client';
import { ATTR, readJsonAttribute, readMetadata, waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

const sse = (events: Array<{ event?: string; data: unknown }>) =>
  events.map(({ event, data }) => `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);

const responsesObject = {
  id: 'resp_1',
  object: 'response',
  model: 'gpt-4.1-2025-04-14',
  status: 'completed',
  error: null,
  output: [{ type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'Bonjour', annotations: [] }] }],
  usage: { input_tokens: 11, output_tokens: 4, total_tokens: 15, input_tokens_details: { cached_tokens: 3 }, output_tokens_details: { reasoning_tokens: 1 } },
};

const anthropicMessage = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-20250514',
  content: [{ type: 'text', text: 'Hi from Claude' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 8, output_tokens: 5, cache_read_input_tokens: 2 },
};

describe.each(['/v1', ''])('LLM routes with prefix "%s" are traced', (prefix) => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack());
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('completions, JSON and streamed', async () => {
    fake.handle = (_req, _body, res) =>
      sendJson(res, 200, { id: 'cmpl-1', object: 'text_completion', model: 'gpt-3.5-turbo-instruct', choices: [{ index: 0, text: ' world', finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } });
    const json = await postJson(sidecar.url, `${prefix}/completions`, { model: 'gpt-3.5-turbo-instruct', prompt: 'hello', max_tokens: 5 });
    const span = await waitForTraceOf(langfuse, json);
    expect(span.name).toBe('completion gpt-3.5-turbo-instruct');
    expect(span.attributes[ATTR.input]).toBe('hello');
    expect(span.attributes[ATTR.output]).toBe(' world');
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 2, output: 1, total: 3 });
    expect(readMetadata(span).route).toBe('completions');

    const chunk = (text: string) => ({ id: 'cmpl-2', object: 'text_completion', model: 'gpt-3.5-turbo-instruct', choices: [{ index: 0, text, finish_reason: null }] });
    fake.handle = (_req, _body, res) => sendSse(res, sse([{ data: chunk(' wo') }, { data: chunk('rld') }, { data: '[DONE]' }]));
    const streamed = await postJson(sidecar.url, `${prefix}/completions`, { model: 'gpt-3.5-turbo-instruct', prompt: 'hello', stream: true });
    const streamSpan = await waitForTraceOf(langfuse, streamed);
    expect(streamSpan.attributes[ATTR.output]).toBe(' world');
    expect(streamSpan.attributes[ATTR.completionStart]).toBeDefined();
  });

  test('embeddings: the input and a summary, never the vectors', async () => {
    const vector = Array.from({ length: 8 }, (_, i) => 0.123456789 + i);
    fake.handle = (_req, _body, res) =>
      sendJson(res, 200, { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: vector }, { object: 'embedding', index: 1, embedding: vector }], usage: { prompt_tokens: 6, total_tokens: 6 } });
    const response = await postJson(sidecar.url, `${prefix}/embeddings`, { model: 'text-embedding-3-small', input: ['one', 'two'], dimensions: 8 });
    expect(JSON.parse(response.body.toString()).data[0].embedding).toEqual(vector);
    const span = await waitForTraceOf(langfuse, response);
    expect(span.name).toBe('embedding text-embedding-3-small');
    expect(readJsonAttribute(span, ATTR.input)).toEqual(['one', 'two']);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ embeddings: 2, dimensions: 8 });
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ dimensions: 8 });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 6, output: 0, total: 6 });
    for (const request of langfuse.requests) expect(request.body).not.toContain('0.123456789');
  });

  test('Responses API, JSON: input, output items, usage details; instructions and tools as metadata', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, responsesObject, { 'x-litellm-response-cost': '0.0001' });
    const tools = [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }];
    const response = await postJson(sidecar.url, `${prefix}/responses`, { model: 'gpt-4.1', input: 'Say hello in French', instructions: 'Be brief.', tools, max_output_tokens: 20 });
    const span = await waitForTraceOf(langfuse, response);
    expect(span.name).toBe('responses gpt-4.1-2025-04-14');
    expect(span.attributes[ATTR.input]).toBe('Say hello in French');
    expect(readJsonAttribute(span, ATTR.output)).toEqual(responsesObject.output[0]);
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 8, input_cached_tokens: 3, output: 3, output_reasoning_tokens: 1, total: 15 });
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ max_output_tokens: 20 });
    expect(readJsonAttribute(span, ATTR.cost)).toEqual({ total: 0.0001 });
    const metadata = readMetadata(span);
    expect(metadata.route).toBe('responses');
    expect(metadata.instructions).toBe('Be brief.');
    expect(JSON.parse(metadata.tools as string)).toEqual(tools);
  });

  test('Responses API, streamed: the completed response wins, with completion start time', async () => {
    const events = sse([
      { event: 'response.created', data: { type: 'response.created', response: { ...responsesObject, status: 'in_progress', output: [], usage: null } } },
      { event: 'response.output_item.added', data: { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: 'msg_1', role: 'assistant', content: [] } } },
      { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'Bon' } },
      { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'jour' } },
      { event: 'response.completed', data: { type: 'response.completed', response: responsesObject } },
    ]);
    fake.handle = (_req, _body, res) => sendSse(res, events, 1);
    const response = await postJson(sidecar.url, `${prefix}/responses`, { model: 'gpt-4.1', input: [{ role: 'user', content: 'Say hello in French' }], stream: true });
    expect(response.body.toString()).toBe(events.join(''));
    const span = await waitForTraceOf(langfuse, response);
    expect(readJsonAttribute(span, ATTR.input)).toEqual([{ role: 'user', content: 'Say hello in French' }]);
    expect(readJsonAttribute(span, ATTR.output)).toEqual(responsesObject.output[0]);
    expect(span.attributes[ATTR.model]).toBe('gpt-4.1-2025-04-14');
    expect(readJsonAttribute(span, ATTR.usage)).toMatchObject({ total: 15 });
    expect(span.attributes[ATTR.completionStart]).toBeDefined();
    expect(span.attributes[ATTR.level]).toBeUndefined();
  });

  test('Anthropic messages, JSON: system as a leading message, text output, Anthropic usage', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, anthropicMessage);
    const response = await postJson(sidecar.url, `${prefix}/messages`, { model: 'claude-sonnet-4', system: 'Be kind.', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    const span = await waitForTraceOf(langfuse, response);
    expect(span.name).toBe('messages claude-sonnet-4-20250514');
    expect(readJsonAttribute(span, ATTR.input)).toEqual([{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }]);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Hi from Claude' });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 8, input_cached_tokens: 2, output: 5, total: 15 });
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ max_tokens: 100 });
    expect(readMetadata(span)).toMatchObject({ route: 'messages', finish_reason: 'end_turn', response_id: 'msg_01' });
  });

  test('Anthropic messages, streamed: text rebuilt from deltas, usage merged, cost from usage.cost', async () => {
    const events = sse([
      { event: 'message_start', data: { type: 'message_start', message: { ...anthropicMessage, content: [], stop_reason: null, usage: { input_tokens: 8, output_tokens: 1 } } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'ping', data: { type: 'ping' } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi from' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' Claude' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5, cost: 0.00033 } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
    fake.handle = (_req, _body, res) => sendSse(res, events, 1);
    const response = await postJson(sidecar.url, `${prefix}/messages`, { model: 'claude-sonnet-4', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    expect(response.body.toString()).toBe(events.join(''));
    const span = await waitForTraceOf(langfuse, response);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Hi from Claude' });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 8, output: 5, total: 13 });
    expect(readJsonAttribute(span, ATTR.cost)).toEqual({ total: 0.00033 });
    expect(span.attributes[ATTR.completionStart]).toBeDefined();
  });
});

describe('other routes', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;

  beforeAll(async () => {
    fake = await startFakeLitellm((_req, _body, res) => sendJson(res, 200, { data: [{ id: 'demo' }], object: 'list' }));
    langfuse = await startFakeLangfuse();
  });
  afterAll(async () => {
    await fake.close();
    await langfuse.close();
  });

  test('are forwarded and not traced by default', async () => {
    const sidecar = await startSidecar(fake.url, langfuse.url);
    try {
      const before = langfuse.requests.length;
      const models = await sendRequest(sidecar.url, { path: '/v1/models' });
      const keyInfo = await postJson(sidecar.url, '/key/info', { key: 'x' });
      const getChat = await sendRequest(sidecar.url, { path: '/v1/chat/completions' });
      for (const response of [models, keyInfo, getChat]) {
        expect(response.status).toBe(200);
        expect(response.headers['x-langfuse-trace-id']).toBeUndefined();
      }
      await sidecar.close();
      expect(langfuse.requests.length).toBe(before);
    } finally {
      await sidecar.close();
    }
  });

  test('are traced with SIDECAR_TRACE_ALL_ROUTES=true, named by method and path', async () => {
    const sidecar = await startSidecar(fake.url, langfuse.url, { SIDECAR_TRACE_ALL_ROUTES: 'true' });
    try {
      const response = await sendRequest(sidecar.url, { path: '/v1/models?limit=5' });
      expect(JSON.parse(response.body.toString())).toEqual({ data: [{ id: 'demo' }], object: 'list' });
      const span = await waitForTraceOf(langfuse, response);
      expect(span.name).toBe('GET /v1/models');
      expect(readJsonAttribute(span, ATTR.output)).toEqual({ data: [{ id: 'demo' }], object: 'list' });
      expect(readMetadata(span)).toMatchObject({ route: 'other', method: 'GET', path: '/v1/models', http_status: '200' });
    } finally {
      await sidecar.close();
    }
  });
});
