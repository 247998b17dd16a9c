import http, { type ServerResponse } from 'node:http';
import { chatStreamEvents, type FakeLitellm } from './support/fake-litellm';
import { type FakeLangfuse } from './support/fake-langfuse';
import { createGate, openStream, readMetric, waitUntil } from './support/http-client';
import { ATTR, readJsonAttribute, readMetadata, waitForTraceOf } from './support/span-helpers';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

const streamBody = (content: string) => JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] });
const headers = { 'content-type': 'application/json' };

/** Resolves when the fake's response closes, saying whether it had been ended by the fake. */
const watchClose = (res: ServerResponse) => new Promise<{ ended: boolean }>((resolve) => res.on('close', () => resolve({ ended: res.writableEnded })));

describe('a client that goes away', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack());
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('mid-stream: the upstream request is closed, the trace is an ERROR saying the client aborted', async () => {
    const gate = createGate();
    let upstreamClosed!: Promise<{ ended: boolean }>;
    const events = chatStreamEvents(['before-abort', 'never-sent']);
    fake.handle = async (_req, _body, res) => {
      upstreamClosed = watchClose(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events.slice(0, 2).join(''));
      await gate.promise; // never opened: only the abort can end this response
    };
    const abortsBefore = await readMetric(sidecar.url, 'sidecar_client_aborts_total');
    const stream = await openStream(sidecar.url, { path: '/v1/chat/completions', headers, body: streamBody('abort me') });
    await stream.waitForText('before-abort');
    stream.destroy();

    await expect(upstreamClosed).resolves.toEqual({ ended: false });
    await waitUntil(() => fake.openSockets() === 0, 'the upstream socket to close');
    const span = await waitForTraceOf(langfuse, stream);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(span.attributes[ATTR.statusMessage]).toMatch(/client aborted/);
    expect(readMetadata(span).client_aborted).toBe('true');
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'before-abort' });
    expect(await readMetric(sidecar.url, 'sidecar_client_aborts_total')).toBe(abortsBefore + 1);
    expect(await readMetric(sidecar.url, 'sidecar_requests_in_flight')).toBe(0);
  });

  test('before the response head: the upstream request is closed and the call is still traced', async () => {
    let upstreamClosed!: Promise<{ ended: boolean }>;
    fake.handle = (_req, _body, res) => {
      upstreamClosed = watchClose(res); // and never answer
    };
    const received = fake.received.length;
    const req = http.request(`${sidecar.url}/v1/chat/completions`, { method: 'POST', agent: false, headers });
    req.on('error', () => undefined);
    req.end(streamBody('aborted-while-thinking'));
    await waitUntil(() => fake.received.length > received, 'LiteLLM to receive the request');
    req.destroy();
    await expect(upstreamClosed).resolves.toEqual({ ended: false });
    const span = await waitUntil(() => langfuse.spans().find((s) => String(s.attributes[ATTR.input]).includes('aborted-while-thinking')), 'the aborted call\'s trace');
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.attributes[ATTR.level]).toBe('ERROR');
    expect(span.attributes[ATTR.statusMessage]).toMatch(/client aborted/);
  });

  test('right after `data: [DONE]`, before the response ends: a completed call, not an error', async () => {
    const gate = createGate();
    let upstreamClosed!: Promise<{ ended: boolean }>;
    fake.handle = async (_req, _body, res) => {
      upstreamClosed = watchClose(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chatStreamEvents(['all', ' done']).join(''));
      await gate.promise; // hold the end back, as a slow final flush would
    };
    const abortsBefore = await readMetric(sidecar.url, 'sidecar_client_aborts_total');
    const stream = await openStream(sidecar.url, { path: '/v1/chat/completions', headers, body: streamBody('close after done') });
    await stream.waitForText('data: [DONE]\n\n');
    stream.destroy();
    await upstreamClosed;
    const span = await waitForTraceOf(langfuse, stream);
    expect(span.attributes[ATTR.level]).toBeUndefined();
    expect(span.attributes[ATTR.statusMessage]).toBeUndefined();
    expect(span.status.code ?? 0).toBe(0);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ role: 'assistant', content: 'all done' });
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ input: 9, output: 2, total: 11 });
    expect(readMetadata(span).client_aborted).toBeUndefined();
    // Regression: the metric counted this completed call as an abort while the trace did not.
    expect(await readMetric(sidecar.url, 'sidecar_client_aborts_total')).toBe(abortsBefore);
    gate.open();
  });
});
