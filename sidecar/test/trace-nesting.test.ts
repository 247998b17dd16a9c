import type { FakeLitellm } from './support/fake-litellm';
import type { FakeLangfuse } from './support/fake-langfuse';
import { postJson } from './support/http-client';
import { injectFromLangfuseObservation, injectFromOtelSpan } from './support/instrumented-caller';
import { ATTR, waitForTraceOf } from './support/span-helpers';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack, type TestStack } from './support/test-stack';

const IS_APP_ROOT = 'langfuse.internal.is_app_root';
const ask = (metadata?: Record<string, unknown>) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], user: 'u-1', ...(metadata ? { metadata } : {}) });

/**
 * An application instrumented with OpenTelemetry (or Langfuse's own SDK) calls through the sidecar: the call is
 * recorded as a child of the application's span, in the application's trace, so its trace shows the LLM call
 * where it happened (issue 13 §3; LiteLLM's own Langfuse logging discards the traceparent, LiteLLM #24027).
 */
describe("a call nested under the caller's trace", () => {
  let stack: TestStack;
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    stack = await startTestStack();
    ({ fake, langfuse, sidecar } = stack);
  });
  afterAll(() => closeTestStack(stack));

  test('under a @langfuse/tracing observation: its trace and span, no second app root, the trace keeps its name; user, session and tags still set', async () => {
    const caller = injectFromLangfuseObservation('answer-question');
    expect(caller.headers.baggage).toContain('langfuse_trace_id');
    fake.received.length = 0;
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ session_id: 's-1', tags: ['nested'] }), caller.headers);

    expect(response.headers['x-langfuse-trace-id']).toBe(caller.traceId);
    // LiteLLM gets the caller's headers unchanged.
    expect(fake.received[0]?.headers.traceparent).toBe(caller.headers.traceparent);
    expect(fake.received[0]?.headers.baggage).toBe(caller.headers.baggage);
    const span = await waitForTraceOf(langfuse, response);
    expect(span.traceId).toBe(caller.traceId);
    expect(span.parentSpanId).toBe(caller.spanId);
    expect(span.attributes[IS_APP_ROOT]).toBeUndefined();
    expect(span.attributes[ATTR.traceName]).toBeUndefined();
    expect(span.attributes[ATTR.userId]).toBe('u-1');
    expect(span.attributes[ATTR.sessionId]).toBe('s-1');
    expect(span.attributes[ATTR.tags]).toEqual(['nested']);
  });

  test("under a plain OpenTelemetry span (nobody claimed the trace in Langfuse): nested, and marked as the app's root as Langfuse's span processor would", async () => {
    const caller = injectFromOtelSpan('GET /orders');
    expect(caller.headers.baggage).toBeUndefined();
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask(), { ...caller.headers, tracestate: 'vendor=1' });
    const span = await waitForTraceOf(langfuse, response);
    expect(span.traceId).toBe(caller.traceId);
    expect(span.parentSpanId).toBe(caller.spanId);
    expect(span.traceState).toBe('vendor=1');
    expect(span.attributes[IS_APP_ROOT]).toBe(true);
  });

  test('a trace name the client asked for is still set on the nested call', async () => {
    const caller = injectFromOtelSpan('job');
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ trace_name: 'nightly-job' }), caller.headers);
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.traceName]).toBe('nightly-job');
  });

  test("precedence: LiteLLM's explicit trace_id wins over traceparent; the same id still nests; a bad traceparent is ignored", async () => {
    const caller = injectFromOtelSpan('precedence');
    const other = 'f'.repeat(32);
    const explicit = await postJson(sidecar.url, '/v1/chat/completions', ask({ trace_id: other }), caller.headers);
    expect(explicit.headers['x-langfuse-trace-id']).toBe(other);
    const explicitSpan = await waitForTraceOf(langfuse, explicit);
    expect(explicitSpan.parentSpanId).toBeUndefined();
    expect(explicitSpan.attributes[IS_APP_ROOT]).toBeUndefined();

    const same = await postJson(sidecar.url, '/v1/chat/completions', ask(), { ...caller.headers, langfuse_trace_id: caller.traceId });
    expect((await waitForTraceOf(langfuse, same)).parentSpanId).toBe(caller.spanId);

    const bad = await postJson(sidecar.url, '/v1/chat/completions', ask(), { traceparent: `00-${caller.traceId.toUpperCase()}-${caller.spanId}-01` });
    expect(bad.headers['x-langfuse-trace-id']).not.toBe(caller.traceId);
    const badSpan = await waitForTraceOf(langfuse, bad);
    expect(badSpan.parentSpanId).toBeUndefined();
    expect(badSpan.attributes[ATTR.traceName]).toMatch(/^chat gpt-4o-mini/);
  });

  test('existing_trace_id with a matching traceparent nests, but never claims the trace (it already exists)', async () => {
    const caller = injectFromOtelSpan('existing');
    const response = await postJson(sidecar.url, '/v1/chat/completions', ask({ existing_trace_id: caller.traceId }), caller.headers);
    const span = await waitForTraceOf(langfuse, response);
    expect(span.parentSpanId).toBe(caller.spanId);
    expect(span.attributes[IS_APP_ROOT]).toBeUndefined();
    expect(span.attributes[ATTR.userId]).toBeUndefined();
  });
});
