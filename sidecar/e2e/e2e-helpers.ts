import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { RECORDED_PATH } from './fake-langfuse';
import { MASTER_KEY, type StackInfo } from './start-stack';

/** The stack global-setup.ts started, read from the environment it set. */
export function readStack(): StackInfo {
  const raw = process.env.E2E_STACK;
  if (!raw) throw new Error('E2E_STACK is not set: run through npm run test:e2e (jest --config sidecar/e2e/jest.config.js)');
  return JSON.parse(raw) as StackInfo;
}

/** The sidecar's URL, or a failure naming why it is not running (so sidecar tests fail loudly, never skip). */
export function requireSidecar(stack: StackInfo): string {
  if (!stack.sidecarUrl) throw new Error(`the sidecar is not running: ${stack.sidecarError ?? 'unknown reason'}`);
  return stack.sidecarUrl;
}

/** The official OpenAI client, unchanged, pointed at a LiteLLM-compatible base URL. */
export function createOpenAiClient(baseUrl: string, apiKey: string = MASTER_KEY): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
}

/** The official Anthropic client, unchanged, pointed at LiteLLM's /v1/messages. */
export function createAnthropicClient(baseUrl: string, apiKey = MASTER_KEY): Anthropic {
  return new Anthropic({ baseURL: baseUrl, apiKey, maxRetries: 0, timeout: 20_000 });
}

/** LiteLLM's response headers that must be the same for the same call; per-call ids, timings and running spend are left out. */
export function pickStableLitellmHeaders(headers: Headers): Record<string, string> {
  const picked: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!name.startsWith('x-litellm-')) return;
    if (name === 'x-litellm-call-id' || name === 'x-litellm-key-spend' || name.endsWith('-duration-ms')) return;
    picked[name] = value;
  });
  return picked;
}

/** The names of LiteLLM's response headers, timings included: the set must not change through the sidecar. */
export function listLitellmHeaderNames(headers: Headers): string[] {
  const names: string[] = [];
  headers.forEach((_, name) => {
    if (name.startsWith('x-litellm-') || name.startsWith('llm_provider-')) names.push(name);
  });
  return names.sort();
}

const VOLATILE_KEYS = new Set(['id', 'created', 'created_at', 'item_id']);

/** A copy of a response body without ids and timestamps, the only fields allowed to differ between two identical calls. */
export function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (VOLATILE_KEYS.has(key)) continue;
    out[key] = stripVolatile(inner);
  }
  return out;
}

/** One exported span with its attributes decoded from OTLP AnyValues (the fake decodes protobuf to the OTLP/JSON shape). */
export interface RecordedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  status?: { code?: number; message?: string };
  authorization?: string;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

/** Decodes an OTLP AnyValue (OTLP/JSON shape) to a plain value. */
export function decodeAnyValue(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decodeAnyValue);
  if (value.kvlistValue) return decodeAttributes(value.kvlistValue.values);
  return undefined;
}

function decodeAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = decodeAnyValue(value);
  return out;
}

/** OTLP JSON ids are hex (the spec) but some encoders send base64: normalize to lowercase hex. */
function normalizeId(id: string | undefined): string {
  if (!id) return '';
  if (/^[0-9a-fA-F]+$/.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

interface RecordedExportJson {
  authorization?: string;
  body: {
    resourceSpans?: {
      resource?: { attributes?: OtlpKeyValue[] };
      scopeSpans?: { spans?: { traceId?: string; spanId?: string; parentSpanId?: string; name?: string; attributes?: OtlpKeyValue[]; status?: { code?: number; message?: string } }[] }[];
    }[];
  };
}

/** Every span the fake Langfuse has received so far. */
export async function fetchRecordedSpans(stack: StackInfo): Promise<RecordedSpan[]> {
  const res = await fetch(`${stack.fakeLangfuseUrl}${RECORDED_PATH}`);
  const exports = (await res.json()) as RecordedExportJson[];
  const spans: RecordedSpan[] = [];
  for (const exp of exports) {
    for (const rs of exp.body?.resourceSpans ?? []) {
      const resource = decodeAttributes(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          spans.push({
            traceId: normalizeId(span.traceId),
            spanId: normalizeId(span.spanId),
            parentSpanId: span.parentSpanId ? normalizeId(span.parentSpanId) : undefined,
            name: span.name ?? '',
            attributes: decodeAttributes(span.attributes),
            resource,
            status: span.status,
            authorization: exp.authorization,
          });
        }
      }
    }
  }
  return spans;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the spans of one trace at the fake Langfuse, then waits a little longer (many export
 * intervals of 50 ms) so a duplicate export would be seen too.
 */
export async function waitForTrace(stack: StackInfo, traceId: string, timeoutMs = 10_000, settleMs = 400): Promise<RecordedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const spans = (await fetchRecordedSpans(stack)).filter((span) => span.traceId === traceId);
    if (spans.length > 0) {
      await sleep(settleMs);
      return (await fetchRecordedSpans(stack)).filter((span) => span.traceId === traceId);
    }
    await sleep(50);
  }
  throw new Error(`no span with trace id ${traceId} reached the fake Langfuse within ${timeoutMs} ms`);
}

/** The trace id the sidecar announced on a response (32 lowercase hex). */
export function readTraceIdHeader(headers: Headers): string {
  const traceId = headers.get('x-langfuse-trace-id');
  if (!traceId || !/^[0-9a-f]{32}$/.test(traceId)) throw new Error(`missing or malformed x-langfuse-trace-id: ${traceId}`);
  return traceId;
}

/** Parses a JSON-string attribute (usage_details, cost_details, input, output). */
export function parseJsonAttribute(span: RecordedSpan, key: string): unknown {
  const value = span.attributes[key];
  if (typeof value !== 'string') throw new Error(`attribute ${key} is ${JSON.stringify(value)}, not a JSON string`);
  return JSON.parse(value);
}

/** What LiteLLM itself received for a call (written by litellm_recorder.py), found by LiteLLM's call id. */
export async function readLitellmReceived(stack: StackInfo, callId: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const { readFileSync, existsSync } = await import('node:fs');
  const path = `${stack.logDir}/litellm-received.jsonl`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.includes(callId)) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.call_id === callId) return entry;
      }
    }
    await sleep(50);
  }
  throw new Error(`LiteLLM's callback recorded nothing for call ${callId}`);
}
