import { sendJson, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { findClosedPort, postJson, readJson, readMetric, sendRequest } from './support/http-client';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const METRIC_NAMES = [
  'sidecar_requests_total',
  'sidecar_requests_in_flight',
  'sidecar_upstream_errors_total',
  'sidecar_client_aborts_total',
  'sidecar_traces_recorded_total',
  'sidecar_traces_exported_total',
  'sidecar_traces_dropped_total',
  'sidecar_export_requests_total',
  'sidecar_export_failures_total',
  'sidecar_export_queue_length',
  'sidecar_export_queue_bytes',
];

describe('the sidecar\'s own endpoints under /_sidecar/', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;
  let orphan: TestSidecar;

  beforeAll(async () => {
    fake = await startFakeLitellm((req, _body, res) => sendJson(res, 200, { from: 'litellm', url: req.url }));
    langfuse = await startFakeLangfuse();
    sidecar = await startSidecar(fake.url, langfuse.url);
    orphan = await startSidecar(`http://127.0.0.1:${await findClosedPort()}`, langfuse.url);
  });
  afterAll(async () => {
    await sidecar.close();
    await orphan.close();
    await fake.close();
    await langfuse.close();
  });

  test('/_sidecar/health answers 200 without touching LiteLLM, even when LiteLLM is down', async () => {
    const before = fake.received.length;
    for (const target of [sidecar, orphan]) {
      const response = await sendRequest(target.url, { path: '/_sidecar/health' });
      expect(response.status).toBe(200);
      expect(readJson(response)).toEqual({ status: 'ok' });
    }
    expect(fake.received.length).toBe(before);
  });

  test('/_sidecar/ready is 200 when LiteLLM\'s liveliness route answers, 503 when it is down or failing', async () => {
    fake.received.length = 0;
    const ready = await sendRequest(sidecar.url, { path: '/_sidecar/ready' });
    expect(ready.status).toBe(200);
    expect(readJson(ready)).toMatchObject({ status: 'ready', tracing: true });
    expect(fake.received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /health/liveliness']);

    const down = await sendRequest(orphan.url, { path: '/_sidecar/ready' });
    expect(down.status).toBe(503);
    expect(readJson(down)).toMatchObject({ status: 'litellm_unavailable', litellm: { ok: false } });

    const handle = fake.handle;
    fake.handle = (_req, _body, res) => sendJson(res, 500, { error: 'unhealthy' });
    try {
      expect((await sendRequest(sidecar.url, { path: '/_sidecar/ready' })).status).toBe(503);
    } finally {
      fake.handle = handle;
    }
  });

  test('/_sidecar/metrics is Prometheus text: HELP and TYPE for every metric, well-formed samples, live counts', async () => {
    const before = await readMetric(sidecar.url, 'sidecar_requests_total');
    await postJson(sidecar.url, '/v1/chat/completions', { model: 'm', messages: [] });
    const response = await sendRequest(sidecar.url, { path: '/_sidecar/metrics' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = response.body.toString().trimEnd().split('\n');
    for (const name of METRIC_NAMES) {
      expect(lines).toContain(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`);
      expect(lines.some((line) => line.startsWith(`# HELP ${name} `))).toBe(true);
    }
    for (const line of lines.filter((l) => !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? \d+(\.\d+)?(e-?\d+)?$/);
    // Histograms: cumulative buckets up to +Inf, which equals _count.
    const inf = lines.find((l) => l.startsWith('sidecar_request_duration_seconds_bucket{route="chat",le="+Inf"}'));
    expect(inf?.split(' ')[1]).toBe(lines.find((l) => l.startsWith('sidecar_request_duration_seconds_count{route="chat"}'))?.split(' ')[1]);
    for (const reason of ['queue_full', 'export_failed', 'shutdown']) expect(lines).toContain(`sidecar_traces_dropped_total{reason="${reason}"} 0`);
    // Proxied requests are counted; the admin calls themselves are not.
    expect(await readMetric(sidecar.url, 'sidecar_requests_total')).toBe(before + 1);
  });

  test('an unknown /_sidecar/ path is a 404 with an OpenAI-style JSON error, not forwarded', async () => {
    const before = fake.received.length;
    for (const path of ['/_sidecar/x', '/_sidecar', '/_sidecar?x=1', '/_sidecar/health/extra']) {
      const response = await sendRequest(sidecar.url, { path });
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(readJson(response)).toMatchObject({ error: { type: 'not_found', code: 'not_found', message: expect.stringContaining('/_sidecar/health') } });
    }
    expect((await postJson(sidecar.url, '/_sidecar/health', {})).status).toBe(404);
    expect(fake.received.length).toBe(before);
  });

  test('look-alike paths and LiteLLM\'s own health routes are forwarded to LiteLLM', async () => {
    for (const path of ['/_sidecarx', '/_sidecarx/health', '/health/liveliness', '/health/readiness', '/sidecar/health']) {
      const response = await sendRequest(sidecar.url, { path });
      expect(response.status).toBe(200);
      expect(readJson(response)).toEqual({ from: 'litellm', url: path });
    }
  });
});
