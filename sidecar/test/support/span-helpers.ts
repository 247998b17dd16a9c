import type { FakeLangfuse, ReceivedSpan } from './fake-langfuse';
import type { RawResponse } from './http-client';

/** Langfuse attribute names as @langfuse/core spells them, short enough to read in assertions. */
export const ATTR = {
  type: 'langfuse.observation.type',
  input: 'langfuse.observation.input',
  output: 'langfuse.observation.output',
  model: 'langfuse.observation.model.name',
  modelParameters: 'langfuse.observation.model.parameters',
  usage: 'langfuse.observation.usage_details',
  cost: 'langfuse.observation.cost_details',
  completionStart: 'langfuse.observation.completion_start_time',
  level: 'langfuse.observation.level',
  statusMessage: 'langfuse.observation.status_message',
  environment: 'langfuse.environment',
  release: 'langfuse.release',
  version: 'langfuse.version',
  traceName: 'langfuse.trace.name',
  userId: 'user.id',
  sessionId: 'session.id',
  tags: 'langfuse.trace.tags',
} as const;

/** Waits for the span of the trace a response announced in `x-langfuse-trace-id`. */
export async function waitForTraceOf(langfuse: FakeLangfuse, response: RawResponse | { headers: Record<string, unknown> }): Promise<ReceivedSpan> {
  const traceId = response.headers['x-langfuse-trace-id'];
  if (typeof traceId !== 'string') throw new Error('the response carries no x-langfuse-trace-id header');
  return langfuse.waitForTrace(traceId);
}

/** A JSON-encoded attribute, parsed (undefined when absent); any, since tests compare arbitrary shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readJsonAttribute(span: ReceivedSpan, key: string): any {
  const value = span.attributes[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`attribute ${key} is not a string: ${JSON.stringify(value)}`);
  return JSON.parse(value);
}

/** The attributes under a prefix (`langfuse.observation.metadata`, `langfuse.trace.metadata`), keyed by the rest of the name. */
export function readPrefixed(span: ReceivedSpan, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(span.attributes)) if (key.startsWith(`${prefix}.`)) out[key.slice(prefix.length + 1)] = span.attributes[key];
  return out;
}

/** Generation metadata (`langfuse.observation.metadata.*`). */
export const readMetadata = (span: ReceivedSpan): Record<string, unknown> => readPrefixed(span, 'langfuse.observation.metadata');

/** Span start and end as epoch milliseconds (fractional). */
export function readSpanTimes(span: ReceivedSpan): { startMs: number; endMs: number } {
  const toMs = (nanos: string) => Number(BigInt(nanos) / 1000n) / 1000;
  return { startMs: toMs(span.startTimeUnixNano), endMs: toMs(span.endTimeUnixNano) };
}

/**
 * The version Langfuse stores for a span's observation (and trace): its `langfuse.version`, else the resource's
 * `service.version`, else none (OtelIngestionProcessor in langfuse/langfuse).
 */
export function readStoredVersion(span: ReceivedSpan): unknown {
  return span.attributes['langfuse.version'] ?? span.resource['service.version'] ?? null;
}
