import http from 'node:http';
import net from 'node:net';
import { chatCompletion, chatStreamEvents, sendJson, type FakeLitellm } from './support/fake-litellm';
import { type FakeLangfuse } from './support/fake-langfuse';
import { openStream } from './support/http-client';
import { ATTR, readMetadata, waitForTraceOf } from './support/span-helpers';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

/** Sends raw bytes (keeping our side open: a half-close would end the exchange early) and resolves with everything the sidecar answers before it closes. */
function sendRaw(url: string, bytes: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('request edge cases found by the fault suite', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeEach(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack());
  });
  afterEach(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('headers past the size limit get 431, naming the limit the client hit (RFC 6585), and nothing is forwarded', async () => {
    const answer = await sendRaw(sidecar.url, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(fake.received).toHaveLength(0);
  });

  test('an absolute-form request target is forwarded in origin form and traced like any LLM call', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('absolute'));
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const answer = await sendRaw(
      sidecar.url,
      `POST http://elsewhere.example/v1/chat/completions?x=1 HTTP/1.1\r\nHost: elsewhere.example\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(fake.received[0]?.url).toBe('/v1/chat/completions?x=1');
    const traceId = /x-langfuse-trace-id: ([0-9a-f]{32})/i.exec(answer)?.[1];
    const span = await waitForTraceOf(langfuse, { headers: { 'x-langfuse-trace-id': traceId } });
    expect(span.attributes[ATTR.type]).toBe('generation');
    expect(readMetadata(span).path).toBe('/v1/chat/completions');
  });

  test('a call cut because the shutdown grace period ran out is traced as cut by the sidecar, not as a client abort', async () => {
    const events = chatStreamEvents(['never', 'ends']);
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0]);
      // never ends: only the shutdown deadline stops it
    };
    const stream = await openStream(sidecar.url, { path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, messages: [] }) });
    await stream.waitForText('data: ');
    const report = await sidecar.sidecar.shutdown(600);
    expect(report.abandonedRequests).toBe(1);
    const span = await waitForTraceOf(langfuse, stream);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(String(span.attributes[ATTR.statusMessage])).toContain('shutdown grace period');
    expect(readMetadata(span).client_aborted).toBeUndefined();
    expect(sidecar.sidecar.metrics.clientAbortsTotal).toBe(0);
  });

  test('a trace_id split across two request chunks is still found before the response head (seam search, no join)', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('seam'));
    const traceId = 'abcdef0123456789abcdef0123456789';
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(2000) }], metadata: { trace_id: traceId } });
    const split = body.indexOf('trace_id') + 3; // "tra" | "ce_id"
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${sidecar.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, resolve);
      req.on('error', reject);
      req.write(body.slice(0, split));
      setTimeout(() => req.end(body.slice(split)), 50);
    });
    answer.resume();
    expect(answer.headers['x-langfuse-trace-id']).toBe(traceId);
    expect(fake.received.at(-1)?.body.toString()).toBe(body);
  });
});

describe('large traces', () => {
  test('a batch full by size is sent at once, not after the export interval (1 MiB prompts no longer overflow the queue)', async () => {
    const stack = await startTestStack({ SIDECAR_EXPORT_INTERVAL_MS: '600000' });
    try {
      stack.fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('big'));
      const prompt = 'a long pasted document. '.repeat(45_000); // ~1 MiB
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${stack.sidecar.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: prompt }] }) });
        await response.text();
        ids.push(String(response.headers.get('x-langfuse-trace-id')));
      }
      // With a 10-minute interval, only the size trigger can have sent these.
      await stack.langfuse.waitForTrace(ids[0] as string);
      expect(stack.sidecar.sidecar.metrics.tracesDroppedTotal).toBe(0);
    } finally {
      await closeTestStack(stack);
    }
  });
});

