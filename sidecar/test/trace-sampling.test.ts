import { postJson, readMetric } from './support/http-client';
import { closeTestStack, startTestStack, type TestStack } from './support/test-stack';

// Low 64 bits below 2^63 are kept at rate 0.5 (OpenTelemetry Python's TraceIdRatioBased, see sample-trace.ts).
const kept = ['0', '1', '5', '7'].map((digit) => `${'ab'.repeat(8)}${digit}${'f'.repeat(15)}`);
const dropped = ['8', '9', 'c', 'f'].map((digit) => `${'ab'.repeat(8)}${digit}${'0'.repeat(15)}`);
const ask = (metadata: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], metadata });

/**
 * LANGFUSE_SAMPLE_RATE keeps a share of traces, decided from the trace id, so the same id gets the same answer
 * here and in the caller's Langfuse SDK: a nested call goes with its caller. Sampled-out calls are forwarded as
 * ever, counted, and never encoded; their response names no trace that will never arrive.
 */
describe('LANGFUSE_SAMPLE_RATE', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ LANGFUSE_SAMPLE_RATE: '0.5' });
  });
  // The test closes the sidecar itself, to count what it flushed; closing it again is a no-op.
  afterAll(() => closeTestStack(stack));

  test('kept and dropped by trace id, explicit or from traceparent; every call forwarded; drops counted, never exported', async () => {
    const { fake, langfuse, sidecar } = stack;
    const responses = [];
    for (const traceId of [...kept, ...dropped]) responses.push(await postJson(sidecar.url, '/v1/chat/completions', ask({ trace_id: traceId })));
    const nestedKept = await postJson(sidecar.url, '/v1/chat/completions', ask(), { traceparent: `00-${kept[0]}-${'1'.repeat(16)}-01` });
    const nestedDropped = await postJson(sidecar.url, '/v1/chat/completions', ask(), { traceparent: `00-${dropped[0]}-${'1'.repeat(16)}-01` });

    expect([...responses, nestedKept, nestedDropped].map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(fake.received).toHaveLength(10);
    expect(responses.map((r) => r.headers['x-langfuse-trace-id'])).toEqual([...kept, ...dropped.map(() => undefined)]);
    expect(nestedKept.headers['x-langfuse-trace-id']).toBe(kept[0]);
    expect(nestedDropped.headers['x-langfuse-trace-id']).toBeUndefined();
    expect(await readMetric(sidecar.url, 'sidecar_traces_sampled_out_total')).toBe(5);

    await sidecar.close();
    const exported = langfuse.spans().map((span) => span.traceId);
    expect(exported.sort()).toEqual([...kept, kept[0]].sort());
  });
});
