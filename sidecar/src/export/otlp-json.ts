import { LANGFUSE_SDK_VERSION, LANGFUSE_TRACER_NAME } from '@langfuse/core';
import type { AttributeValue, SpanRecord } from './span-record';

/**
 * Serializes spans as an OTLP/HTTP JSON ExportTraceServiceRequest (opentelemetry-proto, JSON encoding:
 * hex ids, nanosecond times as decimal strings). Each span is rendered to a string fragment once, so a
 * batch body is a join of fragments instead of a second walk over every attribute.
 */

/** Epoch milliseconds (with fraction) to decimal nanoseconds, without passing through an unsafe integer. */
export function formatUnixNanos(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = Math.min(999_999, Math.round((ms - whole) * 1e6));
  return `${whole}${String(nanos).padStart(6, '0')}`;
}

function renderValue(value: AttributeValue): string {
  if (typeof value === 'string') return `{"stringValue":${JSON.stringify(value)}}`;
  if (typeof value === 'boolean') return `{"boolValue":${value}}`;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? `{"intValue":"${value}"}` : `{"doubleValue":${Number.isFinite(value) ? value : 0}}`;
  }
  return `{"arrayValue":{"values":[${value.map((item) => `{"stringValue":${JSON.stringify(item)}}`).join(',')}]}}`;
}

// Attribute keys repeat on every span: render each `{"key":…,"value":` prefix once. Bounded, since
// keys come from the code plus client-chosen trace metadata keys; past the bound, render without caching.
const keyPrefixes = new Map<string, string>();
const MAX_CACHED_KEYS = 4096;

function renderKeyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `{"key":${JSON.stringify(key)},"value":`;
    if (keyPrefixes.size < MAX_CACHED_KEYS) keyPrefixes.set(key, prefix);
  }
  return prefix;
}

function renderAttributes(attributes: Record<string, AttributeValue>): string {
  let out = '';
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    out += `${out === '' ? '' : ','}${renderKeyPrefix(key)}${renderValue(value)}}`;
  }
  return `[${out}]`;
}

/** Renders one span as the JSON of an OTLP Span (kind INTERNAL, as the Langfuse SDK's spans are). */
export function renderSpan(span: SpanRecord): string {
  const status = span.error === undefined ? '{"code":0}' : `{"code":2,"message":${JSON.stringify(span.error)}}`;
  return (
    `{"traceId":"${span.traceId}","spanId":"${span.spanId}","name":${JSON.stringify(span.name)},"kind":1,` +
    `"startTimeUnixNano":"${formatUnixNanos(span.startMs)}","endTimeUnixNano":"${formatUnixNanos(span.endMs)}",` +
    `"attributes":${renderAttributes(span.attributes)},"status":${status}}`
  );
}

/** Options for the resource and scope that frame every batch. */
export interface OtlpFrameOptions {
  serviceName: string;
  serviceVersion: string;
  publicKey: string;
}

/**
 * Creates the batch renderer. The scope is the Langfuse SDK's own (`langfuse-sdk`, with the project's
 * public key) so Langfuse reads the spans exactly as it reads @langfuse/otel's exports.
 */
export function createOtlpBatchRenderer(options: OtlpFrameOptions): (spanFragments: string[]) => string {
  const resource = renderAttributes({
    'service.name': options.serviceName,
    'service.version': options.serviceVersion,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'litellm-langfuse-sidecar',
  });
  const scope = `{"name":"${LANGFUSE_TRACER_NAME}","version":"${LANGFUSE_SDK_VERSION}","attributes":${renderAttributes({ public_key: options.publicKey })}}`;
  const head = `{"resourceSpans":[{"resource":{"attributes":${resource}},"scopeSpans":[{"scope":${scope},"spans":[`;
  return (spanFragments) => `${head}${spanFragments.join(',')}]}]}]}`;
}
