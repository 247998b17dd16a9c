/**
 * An attribute value as OTLP carries it: scalars, or an array of strings (trace tags). A Buffer is a string
 * value given as its UTF-8 bytes (JSON text lifted from a request body), written to the export as is.
 */
export type AttributeValue = string | number | boolean | string[] | Buffer;

/** One finished span, ready to serialize: the recorder's output, the exporter's input. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** The caller's span, for a call nested under the caller's trace (W3C traceparent). */
  parentSpanId?: string;
  /** The caller's W3C tracestate, which a child span carries on as OpenTelemetry SDKs do. */
  traceState?: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  /** OTLP status: error with a message, or unset. */
  error?: string;
}
