import { chatCompletion, chatStreamEvents, sendJson, sendSse, type FakeLitellm } from './support/fake-litellm';
import { type FakeLangfuse } from './support/fake-langfuse';
import { createGate, openStream, postJson } from './support/http-client';
import { ATTR, readJsonAttribute, readMetadata, readSpanTimes, waitForTraceOf } from './support/span-helpers';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

// The sidecar stamps times from performance.timeOrigin + now(), the test from Date.now(): allow for the two clocks' skew.
const CLOCK_SKEW_MS = 25;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Paris and Rome?' },
];

describe('chat completions are traced as one generation', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack());
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('JSON: input with tools, tool-call output, response model, parameters, usage details, header cost, times, LiteLLM metadata', async () => {
    const toolCalls = [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }];
    fake.handle = (_req, _body, res) =>
      sendJson(
        res,
        200,
        chatCompletion('', {
          choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: toolCalls }, finish_reason: 'tool_calls' }],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 20 } },
        }),
        {
          'x-litellm-response-cost': '0.00042',
          'x-litellm-call-id': 'call-abc',
          'x-litellm-model-id': 'model-hash-1',
          'x-litellm-model-api-base': 'https://api.openai.com/v1?api-version=2024',
          'x-litellm-attempted-retries': '1',
          'x-litellm-attempted-fallbacks': '0',
          'x-litellm-response-duration-ms': '123.4',
          'x-litellm-overhead-duration-ms': '2.5',
          'x-litellm-unknown-future-header': 'not-allowlisted',
        },
      );
    const before = Date.now();
    const response = await postJson(sidecar.url, '/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages,
      tools,
      tool_choice: 'auto',
      temperature: 0.2,
      max_tokens: 64,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 7,
    });
    const after = Date.now();
    expect(response.status).toBe(200);
    const span = await waitForTraceOf(langfuse, response);

    expect(span.attributes[ATTR.type]).toBe('generation');
    expect(span.name).toBe('chat gpt-4o-mini-2024-07-18');
    expect(span.attributes[ATTR.traceName]).toBe('chat gpt-4o-mini-2024-07-18');
    expect(readJsonAttribute(span, ATTR.input)).toEqual({ messages, tools });
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: null, tool_calls: toolCalls });
    expect(span.attributes[ATTR.model]).toBe('gpt-4o-mini-2024-07-18');
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ temperature: 0.2, max_tokens: 64, top_p: 0.9, stop: '["\\n\\n"]', seed: 7, tool_choice: 'auto' });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 60, input_cached_tokens: 40, output: 30, output_reasoning_tokens: 20, total: 150 });
    expect(readJsonAttribute(span, ATTR.cost)).toEqual({ total: 0.00042 });
    expect(span.attributes[ATTR.completionStart]).toBeUndefined();
    expect(span.attributes[ATTR.level]).toBeUndefined();
    expect(span.status.code ?? 0).toBe(0);

    const { startMs, endMs } = readSpanTimes(span);
    expect(startMs).toBeGreaterThanOrEqual(before - CLOCK_SKEW_MS);
    expect(endMs).toBeGreaterThanOrEqual(startMs);
    expect(endMs).toBeLessThanOrEqual(after + CLOCK_SKEW_MS);

    const metadata = readMetadata(span);
    expect(metadata).toMatchObject({
      route: 'chat',
      method: 'POST',
      path: '/v1/chat/completions',
      http_status: '200',
      finish_reason: 'tool_calls',
      response_id: 'chatcmpl-test123',
      litellm_call_id: 'call-abc',
      litellm_model_id: 'model-hash-1',
      litellm_model_api_base: 'https://api.openai.com/v1',
      litellm_response_cost: '0.00042',
      litellm_attempted_retries: '1',
      litellm_attempted_fallbacks: '0',
      litellm_response_duration_ms: '123.4',
      litellm_overhead_duration_ms: '2.5',
    });
    expect(JSON.stringify(span.attributes)).not.toContain('not-allowlisted');
  });

  test('stream: tool calls rebuilt from deltas, usage and cost from the last chunk', async () => {
    const base = { id: 'chatcmpl-s2', object: 'chat.completion.chunk', created: 1764400000, model: 'gpt-4o-2024-08-06' };
    const chunk = (delta: unknown, finish: string | null = null) => JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
    const events = [
      chunk({ role: 'assistant', content: null }),
      chunk({ tool_calls: [{ index: 0, id: 'call_p', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_r', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] }),
      chunk({}, 'tool_calls'),
      JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 30, completion_tokens: 25, total_tokens: 55, completion_tokens_details: { reasoning_tokens: 5 }, prompt_tokens_details: { cached_tokens: 10 }, cost: 0.0021 } }),
      '[DONE]',
    ].map((data) => `data: ${data}\n\n`);
    fake.handle = (_req, _body, res) => sendSse(res, events, 1, { 'x-litellm-call-id': 'call-stream' });
    const response = await postJson(sidecar.url, '/chat/completions', { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages, tools });
    expect(response.body.toString()).toBe(events.join(''));
    const span = await waitForTraceOf(langfuse, response);

    expect(readJsonAttribute(span, ATTR.input)).toEqual({ messages, tools });
    expect(readJsonAttribute(span, ATTR.output)).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_p', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_r', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    });
    expect(span.attributes[ATTR.model]).toBe('gpt-4o-2024-08-06');
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ stream: true });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 20, input_cached_tokens: 10, output: 20, output_reasoning_tokens: 5, total: 55 });
    expect(readJsonAttribute(span, ATTR.cost)).toEqual({ total: 0.0021 });
    expect(readMetadata(span)).toMatchObject({ stream: 'true', finish_reason: 'tool_calls', litellm_call_id: 'call-stream' });
    expect(span.attributes[ATTR.level]).toBeUndefined();
  });

  test('stream: text output, and no cost when neither the header nor usage.cost reports one', async () => {
    fake.handle = (_req, _body, res) => sendSse(res, chatStreamEvents(['Hel', 'lo', '!']));
    const response = await postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const span = await waitForTraceOf(langfuse, response);
    expect(readJsonAttribute(span, ATTR.input)).toEqual([{ role: 'user', content: 'hi' }]);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'Hello!' });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 9, output: 3, total: 12 });
    expect(span.attributes[ATTR.cost]).toBeUndefined();
  });

  test('stream: completion_start_time is when the first content chunk reached the sidecar, not the role chunk nor the end', async () => {
    const gate = createGate();
    const events = chatStreamEvents(['first', ' rest']);
    let contentSentAt = 0;
    fake.handle = async (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0]); // role only, no content
      await sleep(60);
      contentSentAt = Date.now();
      res.write(events[1]);
      await gate.promise;
      res.end(events.slice(2).join(''));
    };
    const stream = await openStream(sidecar.url, {
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await stream.waitForText('"first"');
    const contentReceivedAt = Date.now();
    await sleep(60);
    gate.open();
    await stream.done;
    const span = await waitForTraceOf(langfuse, stream);

    const completionStart = Date.parse(readJsonAttribute(span, ATTR.completionStart));
    expect(completionStart).toBeGreaterThanOrEqual(contentSentAt - CLOCK_SKEW_MS);
    expect(completionStart).toBeLessThanOrEqual(contentReceivedAt + CLOCK_SKEW_MS);
    const { startMs, endMs } = readSpanTimes(span);
    expect(completionStart).toBeGreaterThanOrEqual(Math.floor(startMs));
    expect(completionStart).toBeLessThan(endMs);
  });
});
