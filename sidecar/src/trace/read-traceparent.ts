import type { IncomingHttpHeaders } from 'node:http';

/** The caller's span, from a W3C `traceparent` header. */
export interface CallerSpan {
  traceId: string;
  spanId: string;
  /** The caller's `tracestate` (W3C Trace Context §3.3), carried on to the span as a child span does. */
  traceState?: string;
  /** The caller's `sampled` flag; recorded, not obeyed (see decideTraceEarly). */
  sampled: boolean;
  /** The caller's Langfuse SDK claimed the trace's root (baggage `langfuse_trace_id` equal to the trace id). */
  claimedByCaller: boolean;
}

const HEX = /^[0-9a-f]+$/;

/**
 * Parses `traceparent` as W3C Trace Context Level 1 §3.2 reads it: `version-traceid-parentid-flags`, lowercase
 * hex, version `ff` invalid, all-zero ids invalid. A later version may append fields after the flags (§3.2.4),
 * so only version 00 must be exactly 55 characters. A request that repeats the header is ambiguous (Node joins
 * the values with ", ") and is treated as carrying none, as the spec asks of an invalid value.
 */
export function parseTraceparent(value: string | undefined): Omit<CallerSpan, 'claimedByCaller'> | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text.length < 55 || (text.length > 55 && text[55] !== '-')) return undefined;
  const version = text.slice(0, 2);
  if (!HEX.test(version) || version === 'ff' || (version === '00' && text.length !== 55)) return undefined;
  if (text[2] !== '-' || text[35] !== '-' || text[52] !== '-') return undefined;
  const traceId = text.slice(3, 35);
  const spanId = text.slice(36, 52);
  const flags = text.slice(53, 55);
  if (!HEX.test(traceId) || !HEX.test(spanId) || !HEX.test(flags)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/**
 * The trace id a Langfuse SDK upstream put in W3C baggage as `langfuse_trace_id` (@langfuse/core
 * setLangfuseTraceIdInBaggage): its way of saying "my span is this trace's root in Langfuse", which stops the
 * SDK's span processor from marking a downstream span as another app root. Baggage entries are
 * `key=value;properties`, comma-separated, values percent-encoded (W3C Baggage §3.3.1).
 */
export function readBaggageTraceClaim(value: string | undefined): string | undefined {
  if (value === undefined || !value.includes('langfuse_trace_id')) return undefined;
  for (const member of value.split(',')) {
    const [pair = ''] = member.split(';');
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals).trim() !== 'langfuse_trace_id') continue;
    try {
      return decodeURIComponent(pair.slice(equals + 1).trim()).toLowerCase();
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The caller's span from the request's `traceparent` (and its Langfuse claim from `baggage`), or undefined. */
export function readCallerSpan(headers: IncomingHttpHeaders): CallerSpan | undefined {
  const header = headers.traceparent;
  const parent = parseTraceparent(Array.isArray(header) ? undefined : header);
  if (!parent) return undefined;
  const baggage = headers.baggage;
  const claim = readBaggageTraceClaim(Array.isArray(baggage) ? baggage.join(',') : baggage);
  const span: CallerSpan = { ...parent, claimedByCaller: claim === parent.traceId };
  // §3.3.1.5: at most 32 list members; a system may drop a tracestate it cannot hold rather than cut it. 512
  // characters is where the spec lets propagators truncate; a longer one is left out, not mangled.
  const traceState = headers.tracestate;
  if (typeof traceState === 'string' && traceState.trim() !== '' && traceState.length <= 512) span.traceState = traceState.trim();
  return span;
}
