import { createTraceId } from '@langfuse/tracing';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { postJson } from './support/http-client';
import { ATTR, readJsonAttribute, readPrefixed, waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

const REDACTED = 'redacted-by-litellm';
const ask = (metadata: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'secret question' }],
  ...(metadata ? { metadata } : {}),
  ...extra,
});

/** The trace-level attributes existing_trace_id must leave alone. */
const TRACE_LEVEL = [ATTR.traceName, ATTR.userId, ATTR.sessionId, ATTR.tags];

describe("LiteLLM's Langfuse conventions are honoured", () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    fake = await startFakeLitellm((_req, _body, res) => sendJson(res, 200, chatCompletion('secret answer')));
    langfuse = await startFakeLangfuse();
    sidecar = await startSidecar(fake.url, langfuse.url, { LANGFUSE_TRACING_ENVIRONMENT: 'staging', LANGFUSE_RELEASE: 'rel-1.2' });
  });
  afterAll(async () => {
    await sidecar.close();
    await fake.close();
    await langfuse.close();
  });

  test.each([
    [{ name: 'support-answer', version: 4, type: 'text', prompt: 'Answer {{q}}' }, ['support-answer', 4]],
    [{ name: 'support-answer', version: '5' }, ['support-answer', 5]],
    [{ name: 'support-answer' }, undefined],
    [{ name: 'support-answer', version: 0 }, undefined],
    [{ version: 2 }, undefined],
    ['support-answer', undefined],
  ])("metadata.prompt %j links the generation to that Langfuse prompt version, or to nothing", async (prompt, expected) => {
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ prompt }));
    const span = await waitForTraceOf(langfuse, response);
    const link = span.attributes['langfuse.observation.prompt.name'] === undefined ? undefined : [span.attributes['langfuse.observation.prompt.name'], span.attributes['langfuse.observation.prompt.version']];
    expect(link).toEqual(expected);
  });

  test('body metadata sets user, session, tags, names, version, release and trace metadata; LiteLLM gets the body unchanged', async () => {
    fake.received.length = 0;
    const body = ask(
      { session_id: 'sess-1', trace_user_id: 'user-meta', tags: ['a', 'b'], trace_name: 'my-trace', generation_name: 'my-gen', trace_version: 'v3', trace_release: 'rel-9', trace_metadata: { team: 'x', n: 2 } },
      { user: 'user-body' },
    );
    const response = await postJson(sidecar.url, '/v1/chat/completions', body);
    expect(fake.received[0]?.body.toString()).toBe(JSON.stringify(body));
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.userId]).toBe('user-meta');
    expect(span.attributes[ATTR.sessionId]).toBe('sess-1');
    expect(span.attributes[ATTR.tags]).toEqual(['a', 'b']);
    expect(span.attributes[ATTR.traceName]).toBe('my-trace');
    expect(span.name).toBe('my-gen');
    expect(span.attributes[ATTR.version]).toBe('v3');
    expect(span.attributes[ATTR.release]).toBe('rel-9');
    expect(span.attributes[ATTR.environment]).toBe('staging');
    expect(readPrefixed(span, 'langfuse.trace.metadata')).toEqual({ team: 'x', n: '2' });
  });

  test('body `user` is the user id; environment and release come from config', async () => {
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask(undefined, { user: 'user-body' }));
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.userId]).toBe('user-body');
    expect(span.attributes[ATTR.environment]).toBe('staging');
    expect(span.attributes[ATTR.release]).toBe('rel-1.2');
    expect(span.attributes[ATTR.traceName]).toBe('chat gpt-4o-mini-2024-07-18');
  });

  test('a 32-hex trace_id is kept, and the response header names the exported trace', async () => {
    const traceId = 'ABCDEF0123456789abcdef0123456789';
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ trace_id: traceId }));
    expect(response.headers['x-langfuse-trace-id']).toBe(traceId.toLowerCase());
    const span = await langfuse.waitForTrace(traceId.toLowerCase());
    expect(span.attributes[ATTR.traceName]).toBeDefined();
  });

  test('any other trace_id is hashed exactly as @langfuse/tracing createTraceId(seed) does', async () => {
    const seed = 'conversation-42';
    const expected = await createTraceId(seed);
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ trace_id: seed }));
    expect(response.headers['x-langfuse-trace-id']).toBe(expected);
    await langfuse.waitForTrace(expected);
  });

  test('existing_trace_id joins that trace without touching its trace-level attributes', async () => {
    const existing = 'feedfacefeedfacefeedfacefeedface';
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ existing_trace_id: existing, trace_name: 'ignored', session_id: 's', trace_user_id: 'u', tags: ['t'], trace_metadata: { k: 'v' } }, { user: 'u2' }));
    expect(response.headers['x-langfuse-trace-id']).toBe(existing);
    const span = await langfuse.waitForTrace(existing);
    for (const key of TRACE_LEVEL) expect(span.attributes[key]).toBeUndefined();
    expect(readPrefixed(span, 'langfuse.trace.metadata')).toEqual({});
    expect(span.attributes[ATTR.type]).toBe('generation');
  });

  test('mask_input and mask_output replace the content with LiteLLM\'s marker', async () => {
    const maskedIn = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', ask({ mask_input: true })));
    expect(maskedIn.attributes[ATTR.input]).toBe(REDACTED);
    expect(readJsonAttribute(maskedIn, ATTR.output)).toEqual({ role: 'assistant', content: 'secret answer' });
    const maskedOut = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', ask({ mask_output: true })));
    expect(readJsonAttribute(maskedOut, ATTR.input)).toEqual([{ role: 'user', content: 'secret question' }]);
    expect(maskedOut.attributes[ATTR.output]).toBe(REDACTED);
  });

  test('mask_input also keeps Responses API instructions out of the metadata', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, { id: 'resp_1', object: 'response', model: 'gpt-4.1', output: [], error: null });
    try {
      const span = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/responses', { model: 'gpt-4.1', input: 'q', instructions: 'secret instructions', metadata: { mask_input: true } }));
      expect(span.attributes[ATTR.input]).toBe(REDACTED);
      expect(JSON.stringify(span.attributes)).not.toContain('secret instructions');
    } finally {
      fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('secret answer'));
    }
  });

  test('langfuse_* headers override the body, x-litellm-tags add tags, and LiteLLM still receives every header', async () => {
    fake.received.length = 0;
    const headers = { langfuse_trace_name: 'header-name', langfuse_session_id: 'header-sess', langfuse_trace_user_id: 'header-user', langfuse_trace_id: 'from-header', 'x-litellm-tags': 'h1, h2' };
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ trace_name: 'body-name', session_id: 'body-sess', tags: ['b1'] }, { user: 'body-user' }), headers);
    for (const [name, value] of Object.entries(headers)) expect(fake.received[0]?.headers[name]).toBe(value);
    expect(response.headers['x-langfuse-trace-id']).toBe(await createTraceId('from-header'));
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.traceName]).toBe('header-name');
    expect(span.attributes[ATTR.sessionId]).toBe('header-sess');
    expect(span.attributes[ATTR.userId]).toBe('header-user');
    expect(span.attributes[ATTR.tags]).toEqual(['b1', 'h1', 'h2']);
  });

  test('no-log: no trace, no trace header, and LiteLLM still sees the flag', async () => {
    fake.received.length = 0;
    const exportsBefore = langfuse.requests.length;
    const quiet = await postJson(sidecar.url, '/v1/chat/completions', ask({ trace_name: 'must-not-appear' }, { 'no-log': true }));
    expect(quiet.status).toBe(200);
    expect(quiet.headers['x-langfuse-trace-id']).toBeUndefined();
    expect(JSON.parse(fake.received[0]?.body.toString() ?? '{}')['no-log']).toBe(true);
    // A traced call after it: once its trace has arrived, the no-log call would have too.
    await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', ask(undefined)));
    for (const request of langfuse.requests.slice(exportsBefore)) expect(request.body).not.toContain('must-not-appear');
  });

  test('x-litellm-enable-message-redaction redacts input and output of that request only', async () => {
    const redacted = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', ask(undefined), { 'x-litellm-enable-message-redaction': 'true' }));
    expect(redacted.attributes[ATTR.input]).toBe(REDACTED);
    expect(redacted.attributes[ATTR.output]).toBe(REDACTED);
    expect(redacted.attributes[ATTR.model]).toBe('gpt-4o-mini-2024-07-18');
    expect(readJsonAttribute(redacted, ATTR.usage)).toMatchObject({ total: 17 });
    const next = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', ask(undefined)));
    expect(readJsonAttribute(next, ATTR.output)).toEqual({ role: 'assistant', content: 'secret answer' });
  });

  test('Anthropic: metadata.user_id is the user, litellm_metadata carries the LiteLLM keys', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 1, output_tokens: 1 } });
    try {
      const response = await postJson(sidecar.url, '/v1/messages', { model: 'claude-x', max_tokens: 5, messages: [], metadata: { user_id: 'anthropic-user' }, litellm_metadata: { session_id: 'anth-sess', tags: ['anth'] } });
      const span = await waitForTraceOf(langfuse, response);
      expect(span.attributes[ATTR.userId]).toBe('anthropic-user');
      expect(span.attributes[ATTR.sessionId]).toBe('anth-sess');
      expect(span.attributes[ATTR.tags]).toEqual(['anth']);
    } finally {
      fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('secret answer'));
    }
  });
});

describe('SIDECAR_REDACT_MESSAGES', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack({ SIDECAR_REDACT_MESSAGES: 'true' }));
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('redacts every call, JSON and streamed, while usage and model still arrive', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('json-secret-output'));
    const json = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', ask(undefined)));
    expect(json.attributes[ATTR.input]).toBe(REDACTED);
    expect(json.attributes[ATTR.output]).toBe(REDACTED);

    fake.handle = (_req, _body, res) => sendSse(res, chatStreamEvents(['stream-', 'secret-', 'output']));
    const streamed = await postJson(sidecar.url, '/v1/chat/completions', ask(undefined, { stream: true }));
    expect(streamed.body.toString()).toContain('stream-');
    const span = await waitForTraceOf(langfuse, streamed);
    expect(span.attributes[ATTR.output]).toBe(REDACTED);
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 9, output: 3, total: 12 });
    expect(span.attributes[ATTR.model]).toBe('gpt-4o-mini-2024-07-18');
    for (const request of langfuse.requests) {
      for (const secret of ['secret question', 'json-secret-output', 'stream-', 'secret-']) expect(request.body).not.toContain(secret);
    }
  });
});
