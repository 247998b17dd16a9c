import { chatCompletion, chatStreamEvents, sendJson, sendSse, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse, type LangfuseMode } from './support/fake-langfuse';
import { findClosedPort, postJson, readMetric, waitUntil, type RawResponse } from './support/http-client';
import { waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const EXPORT_FAILED = 'sidecar_traces_dropped_total{reason="export_failed"}';
const QUEUE_FULL = 'sidecar_traces_dropped_total{reason="queue_full"}';
const EXPORT_WARNING = 'Langfuse export failed; traces dropped';
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

/** LiteLLM answers JSON or SSE depending on the request, the same every time. */
function answerDeterministically(fake: FakeLitellm): void {
  fake.handle = (_req, body, res) => {
    if ((JSON.parse(body.toString()) as { stream?: boolean }).stream) return sendSse(res, chatStreamEvents(['steady', ' stream']));
    return sendJson(res, 200, chatCompletion('steady answer'), { 'x-litellm-call-id': 'same' });
  };
}

/** What a client can compare between calls: status, body, and headers other than the per-call ones. */
function observable(response: RawResponse): unknown {
  const { date: _date, 'x-langfuse-trace-id': _trace, ...headers } = response.headers;
  return { status: response.status, body: response.body.toString(), headers };
}

describe.each<[string, LangfuseMode | 'refused']>([
  ['refuses connections', 'refused'],
  ['answers 500', 'error500'],
  ['answers 503', 'unavailable503'],
  ['hangs', 'hang'],
  ['rejects the keys (401)', 'unauthorized401'],
])('when Langfuse %s', (_label, mode) => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse | undefined;
  let langfusePort: number;
  let healthy: FakeLangfuse;
  let sidecar: TestSidecar;
  let reference: TestSidecar;

  beforeAll(async () => {
    fake = await startFakeLitellm();
    answerDeterministically(fake);
    langfusePort = await findClosedPort();
    if (mode !== 'refused') langfuse = await startFakeLangfuse(mode, langfusePort);
    healthy = await startFakeLangfuse();
    reference = await startSidecar(fake.url, healthy.url);
    sidecar = await startSidecar(fake.url, `http://127.0.0.1:${langfusePort}`, { SIDECAR_EXPORT_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await sidecar.close();
    await reference.close();
    await fake.close();
    await healthy.close();
    await langfuse?.close();
  });

  test('responses are identical to the healthy case; every drop is counted exactly; one warning line', async () => {
    const calls = [chat, { ...chat, stream: true }, chat, { ...chat, stream: true }];
    for (const [i, body] of calls.entries()) {
      const expected = await postJson(reference.url, '/v1/chat/completions', body);
      const got = await postJson(sidecar.url, '/v1/chat/completions', body);
      expect(observable(got)).toEqual(observable(expected));
      // One at a time, so each failure is its own export and the warning has several chances to repeat.
      await waitUntil(async () => (await readMetric(sidecar.url, EXPORT_FAILED)) === i + 1, `drop #${i + 1} to be counted`);
    }
    expect(await readMetric(sidecar.url, EXPORT_FAILED)).toBe(calls.length);
    expect(await readMetric(sidecar.url, 'sidecar_traces_exported_total')).toBe(0);
    expect(await readMetric(sidecar.url, 'sidecar_export_queue_length')).toBe(0);
    const warnings = sidecar.logs.filter((line) => line.msg === EXPORT_WARNING);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
    if (mode === 'unauthorized401') expect(String(warnings[0]?.hint)).toMatch(/LANGFUSE_PUBLIC_KEY/);
    expect(healthy.spans()).toHaveLength(calls.length);
  });

  test('once Langfuse is healthy again, new traces arrive without a restart', async () => {
    if (langfuse) langfuse.mode = 'ok';
    else langfuse = await startFakeLangfuse('ok', langfusePort);
    const response = await postJson(sidecar.url, '/v1/chat/completions', chat);
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes['langfuse.observation.type']).toBe('generation');
    expect(await readMetric(sidecar.url, 'sidecar_traces_exported_total')).toBe(1);
  });
});

describe('the export queue is bounded', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    fake = await startFakeLitellm();
    answerDeterministically(fake);
    langfuse = await startFakeLangfuse('hang');
    sidecar = await startSidecar(fake.url, langfuse.url, {
      SIDECAR_EXPORT_QUEUE_MAX: '2',
      SIDECAR_EXPORT_BATCH_SIZE: '1',
      SIDECAR_EXPORT_CONCURRENCY: '1',
      // Long enough that no hung export gives up while the test is still filling the queue on a loaded machine.
      SIDECAR_EXPORT_TIMEOUT_MS: '3000',
    });
  });
  afterAll(async () => {
    await sidecar.close();
    await fake.close();
    await langfuse.close();
  });

  test('while exports hang, 4 x SIDECAR_EXPORT_CONCURRENCY are in flight, the queue holds QUEUE_MAX traces and drops (and counts) the rest; responses are unaffected', async () => {
    const first = await postJson(sidecar.url, '/v1/chat/completions', chat);
    expect(first.status).toBe(200);
    await waitUntil(() => langfuse.requests.length === 1, 'the first export to be under way');
    // A backlog (more than a quarter of the queue) lets up to four times the concurrency go out (export-queue.ts).
    // One call at a time, each waited for where it lands, so a loaded machine cannot reorder encoding and arrival.
    const call = async () => {
      const response = await postJson(sidecar.url, '/v1/chat/completions', chat);
      expect(response.body.toString()).toBe(first.body.toString());
    };
    for (let inFlight = 2; inFlight <= 4; inFlight++) {
      await call();
      await waitUntil(() => langfuse.requests.length === inFlight, `export ${inFlight} to be under way`);
    }
    for (let queued = 1; queued <= 2; queued++) {
      await call();
      await waitUntil(async () => (await readMetric(sidecar.url, 'sidecar_export_queue_length')) === queued, `${queued} queued`);
    }
    await call();
    await call();
    await waitUntil(async () => (await readMetric(sidecar.url, QUEUE_FULL)) === 2, 'two drops');
    expect(langfuse.requests).toHaveLength(4);
    expect(await readMetric(sidecar.url, 'sidecar_export_queue_length')).toBe(2);
    expect(sidecar.logs.filter((line) => line.msg === 'traces dropped')).toHaveLength(1);

    langfuse.mode = 'ok';
    await waitUntil(async () => (await readMetric(sidecar.url, 'sidecar_traces_exported_total')) === 2, 'the queued traces to be exported');
    await waitUntil(async () => (await readMetric(sidecar.url, EXPORT_FAILED)) === 4, 'the hung exports to time out');
    expect(await readMetric(sidecar.url, QUEUE_FULL)).toBe(2);
    expect(langfuse.spans()).toHaveLength(2);
  });
});
