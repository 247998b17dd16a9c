import { gzipSync } from 'node:zlib';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, type FakeLitellm } from './support/fake-litellm';
import { type FakeLangfuse } from './support/fake-langfuse';
import { postJson, sendRequest } from './support/http-client';
import { ATTR, readJsonAttribute, readMetadata, waitForTraceOf } from './support/span-helpers';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

const CAP = 64 * 1024;

describe('body capture is capped; forwarding never is', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack({ SIDECAR_CAPTURE_MAX_BYTES: String(CAP) }));
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('a request body over the cap reaches LiteLLM whole; the trace says it was truncated', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('short'));
    fake.received.length = 0;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(3 * CAP) }] });
    const response = await sendRequest(sidecar.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(fake.received[0]?.body.toString()).toBe(body);
    const span = await waitForTraceOf(langfuse, response);
    const metadata = readMetadata(span);
    expect(metadata.request_truncated).toBe('true');
    expect(metadata.request_bytes).toBe(String(Buffer.byteLength(body)));
    const input = span.attributes[ATTR.input] as string;
    expect(input.endsWith(`[truncated by the sidecar: ${Buffer.byteLength(body)} bytes in all]`)).toBe(true);
    expect(input.length).toBeLessThan(CAP + 200);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'short' });
  });

  test('a JSON response over the cap reaches the client whole; the trace says it was truncated', async () => {
    const big = chatCompletion('y'.repeat(3 * CAP));
    fake.handle = (_req, _body, res) => sendJson(res, 200, big);
    const response = await postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
    expect(response.body.toString()).toBe(JSON.stringify(big));
    const span = await waitForTraceOf(langfuse, response);
    expect(readMetadata(span)).toMatchObject({ response_truncated: 'true', response_bytes: String(response.body.length) });
    expect((span.attributes[ATTR.output] as string).length).toBeLessThan(CAP + 200);
  });

  test('a stream over the cap reaches the client whole; the trace keeps the events that fit', async () => {
    const events = chatStreamEvents(Array.from({ length: 400 }, (_, i) => `piece-${i}-${'z'.repeat(300)}`));
    fake.handle = (_req, _body, res) => sendSse(res, events);
    const response = await postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages: [] });
    expect(response.body.toString()).toBe(events.join(''));
    const span = await waitForTraceOf(langfuse, response);
    expect(readMetadata(span).response_truncated).toBe('true');
    const output = readJsonAttribute(span, ATTR.output) as { content: string };
    expect(output.content.startsWith('piece-0-')).toBe(true);
    expect(output.content).not.toContain('piece-399-');
    expect(output.content.length).toBeLessThan(CAP);
  });

  test('a gzip response is forwarded compressed and untouched; the trace shows it decoded', async () => {
    const compressed = gzipSync(JSON.stringify(chatCompletion('from a gzip body')));
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': compressed.length });
      res.end(compressed);
    };
    const response = await postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] }, { 'accept-encoding': 'gzip' });
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.body.equals(compressed)).toBe(true);
    const span = await waitForTraceOf(langfuse, response);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'from a gzip body' });
    expect(readJsonAttribute(span, ATTR.usage)).toMatchObject({ total: 17 });
    expect(readMetadata(span).response_truncated).toBeUndefined();
  });

  test('a gzip bomb is forwarded as is, decoded only up to the cap, and the trace says it was truncated', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(CAP); // small on the wire: the capture itself is complete
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    };
    const response = await postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
    expect(response.body.equals(bomb)).toBe(true);
    const span = await waitForTraceOf(langfuse, response);
    expect(readMetadata(span).response_truncated).toBe('true');
    const output = span.attributes[ATTR.output] as string | undefined;
    expect((output ?? '').length).toBeLessThanOrEqual(CAP + 200);
    for (const request of langfuse.requests) expect(request.body.length).toBeLessThan(4 * CAP);
  });
});
