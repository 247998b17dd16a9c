import http from 'node:http';
import net from 'node:net';
import { chatStreamEvents, sendJson, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { findClosedPort, postJson, readJson } from './support/http-client';
import { ATTR, readJsonAttribute, readMetadata, waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const streamChat = { ...chat, stream: true };

/** The error body the client sees must name the problem, not the sidecar's internals. */
function expectCleanErrorBody(body: unknown, code: string): void {
  expect(body).toEqual({ error: { message: expect.any(String), type: 'upstream_error', param: null, code } });
  const text = JSON.stringify(body);
  for (const internal of ['127.0.0.1', 'ECONNREFUSED', 'UPSTREAM_TIMEOUT', 'Error:', '    at ', '.ts:', 'node:']) expect(text).not.toContain(internal);
}

describe('errors are answered as LiteLLM would and traced as ERROR', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack({ SIDECAR_UPSTREAM_TIMEOUT_MS: '300' }));
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test.each([
    [401, 'Authentication Error, Invalid proxy server token passed.', 'auth_error'],
    [429, 'Rate limit reached for gpt-4o-mini.', 'rate_limit_error'],
    [500, 'litellm.InternalServerError: boom', 'internal_server_error'],
  ])('a %i from LiteLLM is passed through and traced with its message', async (status, message, type) => {
    fake.handle = (_req, _body, res) => sendJson(res, status, { error: { message, type, param: 'None', code: String(status) } });
    const response = await postJson(sidecar.url, '/v1/chat/completions', chat);
    expect(response.status).toBe(status);
    expect(readJson(response).error.message).toBe(message);
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(span.attributes[ATTR.statusMessage]).toBe(`HTTP ${status}: ${message}`);
    expect(span.status).toEqual({ code: 2, message: `HTTP ${status}: ${message}` });
    expect(readMetadata(span).http_status).toBe(String(status));
  });

  test('an error event inside a 200 stream is an ERROR', async () => {
    const events = chatStreamEvents(['partial'], { usage: false }).slice(0, 2);
    events.push(`data: ${JSON.stringify({ error: { message: 'Provider overloaded mid-stream', type: 'None', param: 'None', code: '529' } })}\n\n`);
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(events.join(''));
    };
    const response = await postJson(sidecar.url, '/v1/chat/completions', streamChat);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(events.join(''));
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(span.attributes[ATTR.statusMessage]).toBe('error in stream: Provider overloaded mid-stream');
  });

  test('a hung LiteLLM becomes a 504 after SIDECAR_UPSTREAM_TIMEOUT_MS, traced', async () => {
    fake.handle = () => undefined;
    const response = await postJson(sidecar.url, '/v1/chat/completions', chat);
    expect(response.status).toBe(504);
    expectCleanErrorBody(readJson(response), 'upstream_timeout');
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(span.attributes[ATTR.statusMessage]).toMatch(/^upstream_timeout: /);
    expect(readMetadata(span).http_status).toBe('504');
  });

  test('LiteLLM resetting mid-JSON leaves the client with a broken response, traced', async () => {
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"chatcmpl-cut","choices":[');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const traceIds: string[] = [];
    const before = langfuse.spans().length;
    await expect(
      new Promise((resolve, reject) => {
        const req = http.request(`${sidecar.url}/v1/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
          traceIds.push(String(res.headers['x-langfuse-trace-id']));
          res.on('data', () => undefined);
          res.on('end', () => resolve('complete'));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(JSON.stringify(chat));
      }),
    ).rejects.toThrow();
    const span = await langfuse.waitForTrace(traceIds[0] as string);
    expect(langfuse.spans().length).toBe(before + 1);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(span.attributes[ATTR.statusMessage]).toMatch(/^LiteLLM broke off the response/);
  });

  test('LiteLLM resetting mid-SSE ends the stream with an error event, traced', async () => {
    const events = chatStreamEvents(['one', 'two']).slice(0, 3);
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events.join(''));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const response = await postJson(sidecar.url, '/v1/chat/completions', streamChat);
    const text = response.body.toString();
    expect(text.startsWith(events.join(''))).toBe(true);
    const last = text.slice(events.join('').length);
    expect(last).toMatch(/^data: \{.*\}\n\n$/);
    expectCleanErrorBody(JSON.parse(last.slice('data: '.length)), 'bad_gateway');
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(span.attributes[ATTR.statusMessage]).toMatch(/^LiteLLM broke off the response/);
    expect(JSON.parse(span.attributes[ATTR.output] as string)).toEqual({ role: 'assistant', content: 'onetwo' });
  });
});

describe('LiteLLM unreachable or speaking garbage', () => {
  let langfuse: FakeLangfuse;
  beforeAll(async () => {
    langfuse = await startFakeLangfuse();
  });
  afterAll(() => langfuse.close());

  test('connection refused → 503 with a clean OpenAI-style body, traced and logged', async () => {
    const sidecar = await startSidecar(`http://127.0.0.1:${await findClosedPort()}`, langfuse.url);
    try {
      const response = await postJson(sidecar.url, '/v1/chat/completions', chat);
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toBe('application/json');
      expectCleanErrorBody(readJson(response), 'upstream_unavailable');
      const span = await waitForTraceOf(langfuse, response);
      expect(span.attributes[ATTR.level]).toBe('ERROR');
      expect(span.attributes[ATTR.statusMessage]).toMatch(/^upstream_unavailable: ECONNREFUSED/);
      expect(readJsonAttribute(span, ATTR.input)).toEqual([{ role: 'user', content: 'hi' }]);
      expect(readMetadata(span).http_status).toBe('503');
      expect(sidecar.logs.find((line) => line.msg === 'request')).toMatchObject({ status: 503, error: 'upstream_unavailable', path: '/v1/chat/completions' });
    } finally {
      await sidecar.close();
    }
  });

  test('refused calls keep the client-chosen trace id, and no-log ones are not traced', async () => {
    const sidecar = await startSidecar(`http://127.0.0.1:${await findClosedPort()}`, langfuse.url);
    try {
      const traceId = '0123456789abcdef0123456789abcdef';
      const chosen = await postJson(sidecar.url, '/v1/chat/completions', { ...chat, metadata: { trace_id: traceId } });
      expect(chosen.status).toBe(503);
      expect(chosen.headers['x-langfuse-trace-id']).toBe(traceId);
      await langfuse.waitForTrace(traceId);
      const quiet = await postJson(sidecar.url, '/v1/chat/completions', { ...chat, 'no-log': true, metadata: { trace_name: 'quiet-refused' } });
      expect(quiet.status).toBe(503);
      expect(quiet.headers['x-langfuse-trace-id']).toBeUndefined();
      await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', chat));
      expect(langfuse.requests.some((request) => request.body.includes('quiet-refused'))).toBe(false);
    } finally {
      await sidecar.close();
    }
  });

  test('an invalid HTTP answer → 502', async () => {
    const garbage = net.createServer((socket) => socket.once('data', () => socket.end('NOT HTTP AT ALL\r\n\r\n')));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', () => resolve()));
    const sidecar = await startSidecar(`http://127.0.0.1:${(garbage.address() as net.AddressInfo).port}`, langfuse.url);
    try {
      const response = await postJson(sidecar.url, '/v1/chat/completions', chat);
      expect(response.status).toBe(502);
      expectCleanErrorBody(readJson(response), 'bad_gateway');
      const span = await waitForTraceOf(langfuse, response);
      expect(span.attributes[ATTR.level]).toBe('ERROR');
    } finally {
      await sidecar.close();
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });
});

