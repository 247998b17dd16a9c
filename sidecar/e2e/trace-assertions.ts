import { fetchRecordedSpans, parseJsonAttribute, readTraceIdHeader, waitForTrace, type RecordedSpan } from './e2e-helpers';
import { LANGFUSE_KEYS, type StackInfo } from './start-stack';

/** What a call's generation must show, taken from what LiteLLM returned for that call. */
export interface ExpectedGeneration {
  /** The model LiteLLM reported (the response body's `model`). */
  model: string;
  /** Token counts LiteLLM reported, in Langfuse's usage_details keys. */
  usage?: { input?: number; output?: number; total?: number };
  /** LiteLLM's cost: the x-litellm-response-cost header, or usage.cost of the last stream chunk. */
  cost?: number;
  /** LiteLLM's x-litellm-call-id for the call. */
  callId?: string;
  /** Expected observation level; undefined means "not an error". */
  level?: 'ERROR';
  /** Text the output must contain. */
  outputContains?: string;
  /** Text the input must contain. */
  inputContains?: string;
  /** Langfuse observation type: `generation` unless given (`embedding` for embeddings). */
  type?: 'generation' | 'embedding' | 'guardrail' | 'retriever';
}

/**
 * Waits for the call's trace at the fake Langfuse and checks it is exactly one generation with
 * LiteLLM's real values. Returns the generation span for further checks.
 */
export async function expectOneGeneration(stack: StackInfo, headers: Headers, expected: ExpectedGeneration): Promise<RecordedSpan> {
  const traceId = readTraceIdHeader(headers);
  const spans = await waitForTrace(stack, traceId);
  expect(spans).toHaveLength(1);
  const span = spans[0] as RecordedSpan;
  const attrs = span.attributes;
  const basic = Buffer.from(`${LANGFUSE_KEYS.publicKey}:${LANGFUSE_KEYS.secretKey}`).toString('base64');
  expect(span.authorization).toBe(`Basic ${basic}`);
  expect(attrs['langfuse.observation.type']).toBe(expected.type ?? 'generation');
  // Langfuse takes the resource's service.version as the version of a span without langfuse.version: never send it.
  expect(span.resource['service.version']).toBeUndefined();
  expect(attrs['langfuse.observation.model.name']).toBe(expected.model);
  if (expected.usage) expect(parseJsonAttribute(span, 'langfuse.observation.usage_details')).toMatchObject(expected.usage);
  if (expected.cost !== undefined) {
    const cost = parseJsonAttribute(span, 'langfuse.observation.cost_details') as { total: number };
    expect(cost.total).toBeCloseTo(expected.cost, 12);
  }
  if (expected.callId !== undefined) {
    expect(attrs['langfuse.observation.metadata.litellm_call_id']).toBe(expected.callId);
    // Exactly one trace per call: no other exported span carries this LiteLLM call id.
    const sameCall = (await fetchRecordedSpans(stack)).filter((s) => s.attributes['langfuse.observation.metadata.litellm_call_id'] === expected.callId);
    expect(sameCall.map((s) => s.traceId)).toEqual([traceId]);
  }
  if (expected.level === 'ERROR') {
    expect(attrs['langfuse.observation.level']).toBe('ERROR');
    expect(typeof attrs['langfuse.observation.status_message']).toBe('string');
  } else {
    expect(attrs['langfuse.observation.level'] ?? 'DEFAULT').toBe('DEFAULT');
  }
  if (expected.outputContains !== undefined) expect(String(attrs['langfuse.observation.output'])).toContain(expected.outputContains);
  if (expected.inputContains !== undefined) expect(String(attrs['langfuse.observation.input'])).toContain(expected.inputContains);
  return span;
}

/** Reads LiteLLM's cost header as a number (absent on streams). */
export function readCostHeader(headers: Headers): number | undefined {
  const value = headers.get('x-litellm-response-cost');
  return value === null ? undefined : Number(value);
}

/** Reads LiteLLM's call id header; every LiteLLM LLM response has one. */
export function readCallId(headers: Headers): string {
  const value = headers.get('x-litellm-call-id');
  if (!value) throw new Error('LiteLLM sent no x-litellm-call-id');
  return value;
}
