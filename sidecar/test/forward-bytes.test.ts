import http from 'node:http';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, type FakeLitellm } from './support/fake-litellm';
import { type FakeLangfuse } from './support/fake-langfuse';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

/** A raw HTTP exchange: status, raw headers and the exact body bytes. */
const keepAliveAgent = new http.Agent({ keepAlive: true });

function request(url: string, options: { method?: string; path?: string; headers?: Record<string, string> | string[]; body?: Buffer | string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
    const req = http.request(`${url}${options.path ?? '/'}`, { method: options.method ?? 'GET', headers: options.headers, agent: keepAliveAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const headerNames = (raw: string[]) => raw.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());

describe('forwarding is byte-for-byte', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack());
  });
  afterAll(async () => {
    keepAliveAgent.destroy();
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('a JSON chat response arrives identical to a direct call, with the trace id header added', async () => {
    // Odd spacing and key order: any re-serialization by the sidecar would show.
    const exact = Buffer.from('{"id":"x",  "choices":[{"message":{"role":"assistant","content":"héllo \\u00e9"}}] ,"usage":{"prompt_tokens":1}}\n');
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-litellm-call-id': 'call-1', 'set-cookie': ['a=1', 'b=2'] });
      res.end(exact);
    };
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const direct = await request(fake.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body });
    const proxied = await request(sidecar.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body });
    expect(proxied.status).toBe(direct.status);
    expect(proxied.body.equals(direct.body)).toBe(true);
    expect(proxied.headers['x-litellm-call-id']).toBe('call-1');
    expect(proxied.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(proxied.headers['x-langfuse-trace-id']).toMatch(/^[0-9a-f]{32}$/);
    const directNames = headerNames(direct.rawHeaders).filter((h) => h !== 'connection' && h !== 'keep-alive');
    const proxiedNames = headerNames(proxied.rawHeaders).filter((h) => h !== 'connection' && h !== 'keep-alive' && h !== 'x-langfuse-trace-id');
    expect(proxiedNames).toEqual(directNames);
  });

  test('an SSE stream arrives identical to a direct call', async () => {
    fake.handle = (_req, _body, res) => sendSse(res, chatStreamEvents(['Hel', 'lo', ' wörld']), 2);
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const direct = await request(fake.url, { method: 'POST', path: '/chat/completions', headers: { 'content-type': 'application/json' }, body });
    const proxied = await request(sidecar.url, { method: 'POST', path: '/chat/completions', headers: { 'content-type': 'application/json' }, body });
    expect(proxied.status).toBe(200);
    expect(proxied.headers['content-type']).toBe('text/event-stream');
    expect(proxied.body.toString()).toBe(direct.body.toString());
  });

  test('method, path, query, body and end-to-end headers reach LiteLLM unchanged; hop-by-hop headers do not', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, { ok: true });
    fake.received.length = 0;
    const payload = Buffer.from([0, 1, 2, 250, 251, 252]);
    await request(sidecar.url, {
      method: 'DELETE',
      path: '/key/delete?keys=a%2Cb&x=1',
      headers: ['Host', 'sidecar.test', 'Authorization', 'Bearer sk-1234', 'langfuse_trace_user_id', 'user-7', 'X-Custom', 'v1', 'X-Custom', 'v2', 'Connection', 'keep-alive, x-drop-me', 'x-drop-me', 'gone', 'Content-Type', 'application/octet-stream', 'Content-Length', String(payload.length)],
      body: payload,
    });
    const got = fake.received[0];
    expect(got?.method).toBe('DELETE');
    expect(got?.url).toBe('/key/delete?keys=a%2Cb&x=1');
    expect(got?.body.equals(payload)).toBe(true);
    expect(got?.headers.authorization).toBe('Bearer sk-1234');
    expect(got?.headers.langfuse_trace_user_id).toBe('user-7');
    expect(got?.rawHeaders).toEqual(expect.arrayContaining(['X-Custom', 'v1', 'X-Custom', 'v2']));
    expect(got?.headers['x-drop-me']).toBeUndefined();
    expect(got?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  test('a 10 MB upload is streamed through intact', async () => {
    fake.handle = (_req, body, res) => sendJson(res, 200, { bytes: body.length, first: body[0], last: body[body.length - 1] });
    const upload = Buffer.alloc(10 * 1024 * 1024, 7);
    upload[upload.length - 1] = 9;
    const proxied = await request(sidecar.url, { method: 'POST', path: '/v1/audio/transcriptions', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: upload });
    expect(JSON.parse(proxied.body.toString())).toEqual({ bytes: upload.length, first: 7, last: 9 });
  });

  test('status codes and bodies of LiteLLM errors pass through unchanged', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 401, { error: { message: 'Authentication Error, invalid key', type: 'auth_error', param: 'None', code: '401' } });
    const direct = await request(fake.url, { method: 'POST', path: '/v1/chat/completions', body: '{}' });
    const proxied = await request(sidecar.url, { method: 'POST', path: '/v1/chat/completions', body: '{}' });
    expect(proxied.status).toBe(401);
    expect(proxied.body.equals(direct.body)).toBe(true);
  });

  test('routes the sidecar does not know, such as /v1/models, are forwarded and not traced', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, { data: [{ id: 'demo' }], object: 'list' });
    const proxied = await request(sidecar.url, { path: '/v1/models' });
    expect(JSON.parse(proxied.body.toString())).toEqual({ data: [{ id: 'demo' }], object: 'list' });
    expect(proxied.headers['x-langfuse-trace-id']).toBeUndefined();
  });

  test('a chat completion is exported as one generation', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('Hi there'), { 'x-litellm-response-cost': '0.00042', 'x-litellm-call-id': 'call-xyz' });
    const proxied = await request(sidecar.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', temperature: 0.2, messages: [{ role: 'user', content: 'hello' }] }) });
    const traceId = proxied.headers['x-langfuse-trace-id'];
    const span = await langfuse.waitForTrace(String(traceId));
    expect(span?.attributes['langfuse.observation.type']).toBe('generation');
  });
});
