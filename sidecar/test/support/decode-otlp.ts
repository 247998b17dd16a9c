/**
 * Decodes an OTLP/HTTP trace export the way a collector would, for the fakes: binary protobuf through the
 * official generated code of @opentelemetry/otlp-transformer (protobufjs over opentelemetry-proto, a decoder
 * written independently of the sidecar's encoder), or JSON. Both come out in the OTLP/JSON shape (hex ids,
 * nanosecond times and 64-bit integers as decimal strings), so assertions read one shape whichever was sent.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } } };
};

interface ProtoType {
  decode: (bytes: Uint8Array) => unknown;
  toObject: (message: unknown, options: Record<string, unknown>) => Record<string, unknown>;
}

const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** OTLP/JSON writes trace and span ids as hex, where protobufjs' toObject gives base64. */
function hexIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIds);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = (key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof item === 'string' ? Buffer.from(item, 'base64').toString('hex') : hexIds(item);
  }
  return out;
}

/** True for a binary protobuf export (`application/x-protobuf`, OTLP's default encoding). */
export const isProtobuf = (contentType: string | undefined): boolean => (contentType ?? '').includes('protobuf');

/** The export as OTLP/JSON-shaped data; throws on a body that is neither valid protobuf nor JSON. */
export function decodeOtlpExport(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (!isProtobuf(contentType)) return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  const message = ExportTraceServiceRequest.decode(raw);
  return hexIds(ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, defaults: false })) as Record<string, unknown>;
}
