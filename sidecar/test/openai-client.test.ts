import OpenAI, { type APIError } from 'openai';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { ATTR, readJsonAttribute, readMetadata } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Answer in one word.' },
  { role: 'user', content: 'Capital of France?' },
];
const createClient = (baseURL: string) => new OpenAI({ apiKey: 'sk-client-key', baseURL, maxRetries: 0 });

describe('the official openai client (v6) through the sidecar', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;
  let direct: OpenAI;
  let proxied: OpenAI;

  beforeAll(async () => {
    fake = await startFakeLitellm((_req, body, res) => {
      const request = JSON.parse(body.toString()) as { stream?: boolean };
      if (request.stream) return sendSse(res, chatStreamEvents(['Pa', 'ris'], { cost: 0.000012 }), 1);
      return sendJson(res, 200, chatCompletion('Paris'), { 'x-litellm-response-cost': '0.00002', 'x-litellm-call-id': 'call-openai' });
    });
    langfuse = await startFakeLangfuse();
    sidecar = await startSidecar(fake.url, langfuse.url);
    direct = createClient(`${fake.url}/v1`);
    proxied = createClient(`${sidecar.url}/v1`);
  });
  afterAll(async () => {
    await sidecar.close();
    await fake.close();
    await langfuse.close();
  });

  test('chat, not streamed: the same result as calling LiteLLM directly, and a complete generation in Langfuse', async () => {
    const params = { model: 'gpt-4o-mini', messages, temperature: 0, max_tokens: 5, user: 'openai-user' };
    const expected = await direct.chat.completions.create(params);
    const { data, response } = await proxied.chat.completions.create(params).withResponse();
    expect(data).toEqual(expected);
    expect(data.choices[0]?.message.content).toBe('Paris');

    const traceId = response.headers.get('x-langfuse-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const span = await langfuse.waitForTrace(String(traceId));
    expect(span.name).toBe('chat gpt-4o-mini-2024-07-18');
    expect(readJsonAttribute(span, ATTR.input)).toEqual(messages);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Paris' });
    expect(span.attributes[ATTR.model]).toBe('gpt-4o-mini-2024-07-18');
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ temperature: 0, max_tokens: 5 });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 10, input_cached_tokens: 2, output: 5, total: 17 });
    expect(readJsonAttribute(span, ATTR.cost)).toEqual({ total: 0.00002 });
    expect(span.attributes[ATTR.userId]).toBe('openai-user');
    expect(readMetadata(span)).toMatchObject({ litellm_call_id: 'call-openai', api_key_hash: expect.stringMatching(/^sha256:/) });
  });

  test('chat, streamed with include_usage: the same chunks as calling LiteLLM directly, and a complete generation in Langfuse', async () => {
    const params = { model: 'gpt-4o-mini', messages, stream: true as const, stream_options: { include_usage: true } };
    const expected: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await direct.chat.completions.create(params)) expected.push(chunk);

    fake.received.length = 0;
    const { data: stream, response } = await proxied.chat.completions.create(params).withResponse();
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(expected);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Paris');
    expect(chunks[chunks.length - 1]?.usage).toMatchObject({ total_tokens: 11 });
    expect(JSON.parse(fake.received[0]?.body.toString() ?? '{}').stream_options).toEqual({ include_usage: true });

    const span = await langfuse.waitForTrace(String(response.headers.get('x-langfuse-trace-id')));
    expect(readJsonAttribute(span, ATTR.input)).toEqual(messages);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Paris' });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 9, output: 2, total: 11 });
    expect(readJsonAttribute(span, ATTR.cost)).toEqual({ total: 0.000012 });
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ stream: true });
    expect(span.attributes[ATTR.completionStart]).toBeDefined();
    expect(span.attributes[ATTR.level]).toBeUndefined();
  });

  test('an error from LiteLLM reaches the client as the same APIError', async () => {
    const handle = fake.handle;
    fake.handle = (_req, _body, res) => sendJson(res, 429, { error: { message: 'Rate limit reached', type: 'rate_limit_error', param: null, code: '429' } });
    try {
      const expected = await direct.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((error: unknown) => error);
      const got = await proxied.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((error: unknown) => error);
      expect(got).toBeInstanceOf(OpenAI.RateLimitError);
      expect((got as APIError).message).toBe((expected as APIError).message);
      expect((got as APIError).status).toBe(429);
    } finally {
      fake.handle = handle;
    }
  });
});
