import { chatCompletion, chatStreamEvents, sendJson, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { createGate, openStream, postJson, readMetric, sendRequest, waitUntil } from './support/http-client';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const streamRequest = (n: number) => ({
  path: '/v1/chat/completions',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: `stream ${n}` }] }),
});

describe('graceful shutdown', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeEach(async () => {
    fake = await startFakeLitellm();
    langfuse = await startFakeLangfuse();
  });
  afterEach(async () => {
    await sidecar.close();
    await fake.close();
    await langfuse.close();
  });

  test('in-flight streams all finish, every trace is delivered, and new connections are refused', async () => {
    sidecar = await startSidecar(fake.url, langfuse.url);
    const gate = createGate();
    const events = chatStreamEvents(['still', ' going']);
    fake.handle = async (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0]);
      await gate.promise;
      res.end(events.slice(1).join(''));
    };
    const streams = await Promise.all([1, 2, 3].map((n) => openStream(sidecar.url, streamRequest(n))));
    await Promise.all(streams.map((stream) => stream.waitForText('data: ')));
    expect(await readMetric(sidecar.url, 'sidecar_requests_in_flight')).toBe(3);

    const stopped = sidecar.sidecar.shutdown(10_000);
    await expect(sendRequest(sidecar.url, { path: '/_sidecar/health' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    gate.open();
    for (const stream of streams) await expect(stream.done).resolves.toBe(events.join(''));
    await expect(stopped).resolves.toEqual({ abandonedRequests: 0, abandonedTraces: 0 });

    const traceIds = streams.map((stream) => String(stream.headers['x-langfuse-trace-id']));
    expect(langfuse.spans().map((span) => span.traceId).sort()).toEqual([...traceIds].sort());
    expect(sidecar.sidecar.metrics.tracesExportedTotal).toBe(3);
  });

  test('traces still queued when shutdown starts are flushed before it resolves', async () => {
    // A long export interval: nothing would leave before the flush; a slow Langfuse: the flush must wait for it.
    sidecar = await startSidecar(fake.url, langfuse.url, { SIDECAR_EXPORT_INTERVAL_MS: '600000' });
    langfuse.mode = { slowMs: 100 };
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('queued'));
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await postJson(sidecar.url, '/v1/chat/completions', { model: 'm', messages: [] }));
    expect(await readMetric(sidecar.url, 'sidecar_export_queue_length')).toBe(5);
    expect(langfuse.requests).toHaveLength(0);

    await expect(sidecar.sidecar.shutdown(5000)).resolves.toEqual({ abandonedRequests: 0, abandonedTraces: 0 });
    const exported = new Set(langfuse.spans().map((span) => span.traceId));
    for (const response of responses) expect(exported.has(String(response.headers['x-langfuse-trace-id']))).toBe(true);
  });

  test('a stream that outlives the grace period is cut and reported as abandoned; shutdown still resolves', async () => {
    sidecar = await startSidecar(fake.url, langfuse.url);
    const events = chatStreamEvents(['never', 'ends']);
    fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0]); // and never end
    };
    const stream = await openStream(sidecar.url, streamRequest(9));
    await stream.waitForText('data: ');
    const report = await sidecar.sidecar.shutdown(400);
    expect(report.abandonedRequests).toBe(1);
    await expect(stream.done).rejects.toThrow();
    await waitUntil(() => fake.openSockets() === 0, 'the upstream socket to close');
  });
});
