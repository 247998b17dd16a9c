import { randomBytes } from 'node:crypto';
import { parseTraceparent, readBaggageTraceClaim, readCallerSpan } from '../src/trace/read-traceparent';
import { createTraceSampler } from '../src/trace/sample-trace';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

/** W3C Trace Context Level 1 §3.2: what a valid traceparent is, and what the sidecar must ignore. */
describe('traceparent', () => {
  test("the spec's own example parses, sampled flag included", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
  });

  test('a future version may append fields after the flags; version 00 may not', () => {
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-holds`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01-extra`)).toBeUndefined();
  });

  test.each([
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['uppercase hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['wrong separator', `00_${TRACE}_${SPAN}_01`],
    ['two headers joined by Node', `00-${TRACE}-${SPAN}-01, 00-${TRACE}-${SPAN}-01`],
    ['garbage', 'hello'],
  ])('%s is ignored', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  test('the Langfuse SDK claim is read from baggage among other members, percent-decoded', () => {
    expect(readBaggageTraceClaim(`userId=alice,langfuse_trace_id=${TRACE};prop=1,other=x`)).toBe(TRACE);
    expect(readBaggageTraceClaim(`langfuse_trace_id=${TRACE.toUpperCase()}`)).toBe(TRACE);
    expect(readBaggageTraceClaim('langfuse_user_id=bob')).toBeUndefined();
    expect(readBaggageTraceClaim('langfuse_trace_id=%E0%A4%A')).toBeUndefined();
  });

  test('the caller span carries tracestate and whether its SDK claimed the trace', () => {
    const headers = { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'vendor=abc,other=1', baggage: `langfuse_trace_id=${TRACE}` };
    expect(readCallerSpan(headers)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, claimedByCaller: true, traceState: 'vendor=abc,other=1' });
    expect(readCallerSpan({ ...headers, baggage: `langfuse_trace_id=${'1'.repeat(32)}` })?.claimedByCaller).toBe(false);
    expect(readCallerSpan({ ...headers, tracestate: `k=${'v'.repeat(600)}` })?.traceState).toBeUndefined();
  });
});

/**
 * LANGFUSE_SAMPLE_RATE as the Langfuse Python SDK applies it (OpenTelemetry Python's TraceIdRatioBased): kept when
 * `trace_id & (2**64 - 1) < round(rate * 2**64)`. The vectors below are that expression evaluated by hand.
 */
describe('trace-id ratio sampling', () => {
  const withLow64 = (low: string) => `${'ab'.repeat(8)}${low}`;

  test('rate 0.5 keeps low halves below 2^63 and drops the rest, whatever the high half', () => {
    const sample = createTraceSampler(0.5);
    expect(sample(withLow64('7fffffffffffffff'))).toBe(true);
    expect(sample(withLow64('0000000000000000'))).toBe(true);
    expect(sample(withLow64('8000000000000000'))).toBe(false);
    expect(sample(`${'00'.repeat(8)}8000000000000000`)).toBe(false);
  });

  test('rate 0.25 has its bound at 2^62; 1 keeps everything and 0 nothing', () => {
    const sample = createTraceSampler(0.25);
    expect(sample(withLow64('3fffffffffffffff'))).toBe(true);
    expect(sample(withLow64('4000000000000000'))).toBe(false);
    expect(createTraceSampler(1)(withLow64('ffffffffffffffff'))).toBe(true);
    expect(createTraceSampler(0)(withLow64('0000000000000000'))).toBe(false);
  });

  test('over random ids, the kept share is the rate', () => {
    const sample = createTraceSampler(0.3);
    let kept = 0;
    for (let i = 0; i < 20_000; i++) if (sample(randomBytes(16).toString('hex'))) kept++;
    expect(kept / 20_000).toBeGreaterThan(0.28);
    expect(kept / 20_000).toBeLessThan(0.32);
  });
});
