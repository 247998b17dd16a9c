import fc from 'fast-check';
import { createOtlpBatchEncoder } from '../src/export/otlp-batch';
import { appendSpan } from '../src/export/otlp-proto';
import type { AttributeValue, SpanRecord } from '../src/export/span-record';
import { decodeOtlpExport } from './support/decode-otlp';

/**
 * The sidecar writes OTLP protobuf by hand (exact length prefixes computed before writing). Whatever the
 * span holds, the official generated decoder (protobufjs over opentelemetry-proto) must read back exactly
 * what was recorded: every string byte (emoji, lone surrogates, 2 KB values), every number and id.
 */

type Decoded = {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> };
    scopeSpans: Array<{
      scope: { name: string; version: string; attributes: Array<{ key: string; value: Record<string, unknown> }> };
      spans: Array<{
        traceId: string;
        spanId: string;
        name: string;
        kind: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: Array<{ key: string; value: Record<string, unknown> }>;
        status: { code?: number; message?: string };
      }>;
    }>;
  }>;
};

const encoder = createOtlpBatchEncoder({ serviceName: 'litellm-langfuse-sidecar', sdkVersion: '9.9.9', publicKey: 'pk-lf-test' }, 16);

function encode(spans: SpanRecord[]): Decoded {
  const batch = encoder.createBatch();
  for (const span of spans) appendSpan(batch, span);
  return decodeOtlpExport(encoder.finishBatch(batch), 'application/x-protobuf') as unknown as Decoded;
}

/** What a collector reads for a value: strings as sent (lone surrogates become U+FFFD, as UTF-8 requires). */
function expectedValue(value: AttributeValue): Record<string, unknown> {
  const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
  if (typeof value === 'string') return { stringValue: utf8(value) };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Buffer.isBuffer(value)) return { stringValue: value.toString('utf8') };
  // protobufjs leaves an empty repeated field out of the decoded object.
  return { arrayValue: value.length === 0 ? {} : { values: value.map((item) => ({ stringValue: utf8(item) })) } };
}

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 3000 }), fc.string({ unit: 'binary', minLength: 100, maxLength: 400 }));
const value: fc.Arbitrary<AttributeValue> = fc.oneof(
  text,
  fc.boolean(),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isSafeInteger(n) && !Object.is(n, -0)),
  fc.array(text, { maxLength: 5 }),
  // JSON text lifted from a request body, written as its bytes.
  fc.json().map((json) => Buffer.from(json, 'utf8')),
);
const span: fc.Arbitrary<SpanRecord> = fc.record({
  traceId: hex(16).filter((id) => !/^0+$/.test(id)),
  spanId: hex(8),
  name: text,
  startMs: fc.double({ min: 1_700_000_000_000, max: 1_900_000_000_000, noNaN: true }),
  endMs: fc.double({ min: 1_700_000_000_000, max: 1_900_000_000_000, noNaN: true }),
  attributes: fc.dictionary(fc.string({ minLength: 1, maxLength: 60 }), value, { maxKeys: 25 }),
  error: fc.option(text, { nil: undefined }),
});

describe('OTLP protobuf export', () => {
  test('random spans decode with the official OTLP protobuf code to exactly what was recorded', () => {
    fc.assert(
      fc.property(fc.array(span, { minLength: 1, maxLength: 4 }), (spans) => {
        const decoded = encode(spans).resourceSpans[0]!.scopeSpans[0]!.spans;
        expect(decoded).toHaveLength(spans.length);
        spans.forEach((sent, i) => {
          const got = decoded[i]!;
          expect(got.traceId).toBe(sent.traceId);
          expect(got.spanId).toBe(sent.spanId);
          expect(got.name).toBe(Buffer.from(sent.name, 'utf8').toString('utf8'));
          expect(got.kind).toBe(1);
          expect(BigInt(got.startTimeUnixNano) / 1_000_000n).toBe(BigInt(Math.floor(sent.startMs)));
          expect(BigInt(got.endTimeUnixNano) / 1_000_000n).toBe(BigInt(Math.floor(sent.endMs)));
          const attributes = Object.fromEntries((got.attributes ?? []).map((a) => [a.key, a.value]));
          const expected = Object.fromEntries(Object.entries(sent.attributes).map(([key, v]) => [Buffer.from(key, 'utf8').toString('utf8'), expectedValue(v)]));
          expect(attributes).toEqual(expected);
          if (sent.error === undefined) expect(got.status).toEqual({});
          else expect(got.status).toEqual({ code: 2, message: Buffer.from(sent.error, 'utf8').toString('utf8') });
        });
      }),
      { numRuns: 300 },
    );
  });

  test('nanosecond times are exact past 2^53 and the frame carries the Langfuse SDK scope and the resource', () => {
    const decoded = encode([{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'chat demo', startMs: 1_764_400_000_123.5, endMs: 1_764_400_000_999, attributes: {} }]);
    const resourceSpans = decoded.resourceSpans[0]!;
    expect(resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value).toEqual({ stringValue: 'litellm-langfuse-sidecar' });
    expect(resourceSpans.scopeSpans[0]!.scope.name).toBe('langfuse-sdk');
    expect(resourceSpans.scopeSpans[0]!.scope.attributes).toEqual([{ key: 'public_key', value: { stringValue: 'pk-lf-test' } }]);
    const [span] = resourceSpans.scopeSpans[0]!.spans;
    expect(span!.startTimeUnixNano).toBe('1764400000123500000');
    expect(span!.endTimeUnixNano).toBe('1764400000999000000');
  });

  test('a span with an invalid id is refused whole and leaves the batch as it was', () => {
    const batch = encoder.createBatch();
    appendSpan(batch, { traceId: '11'.repeat(16), spanId: '22'.repeat(8), name: 'kept', startMs: 1, endMs: 2, attributes: { a: 'x' } });
    const before = batch.pos;
    expect(() => appendSpan(batch, { traceId: 'not-hex', spanId: '22'.repeat(8), name: 'bad', startMs: 1, endMs: 2, attributes: {} })).toThrow(/invalid trace, span or parent span id/);
    expect(batch.pos).toBe(before);
    const decoded = decodeOtlpExport(encoder.finishBatch(batch), 'application/x-protobuf') as unknown as Decoded;
    expect(decoded.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)).toEqual(['kept']);
  });
});
