import type { IncomingHttpHeaders } from 'node:http';
import { readCapturedBody, type BodyCapture } from '../capture/capture-body';
import { readHeader } from '../http-values';
import { readCallerSpan, type CallerSpan } from './read-traceparent';
import { normalizeTraceId } from './trace-ids';

/**
 * What the client asked of the trace, following LiteLLM's own Langfuse logging so its clients need no change
 * (litellm/integrations/langfuse/langfuse.py): body `metadata` keys, overridden by `langfuse_<key>` request
 * headers (add_metadata_from_header), `x-litellm-tags`, and the `no-log` body flag.
 */
export interface TraceContext {
  /** Client-chosen trace id (already normalized to 32 hex). */
  traceId?: string;
  /** True for `existing_trace_id`: attach to that trace and leave its trace-level fields alone. */
  existingTrace: boolean;
  sessionId?: string;
  userId?: string;
  traceName?: string;
  generationName?: string;
  tags: string[];
  version?: string;
  release?: string;
  traceMetadata?: Record<string, unknown>;
  /** LiteLLM's per-request Langfuse credentials: this call's trace goes to that project. */
  requestProject?: RequestProject;
  /** The Langfuse prompt version the call used (LiteLLM's `metadata.prompt`). */
  prompt?: PromptLink;
  maskInput: boolean;
  maskOutput: boolean;
  /** `x-litellm-enable-message-redaction: true` on this request. */
  redactMessages: boolean;
  noLog: boolean;
}

type Json = Record<string, unknown>;

/** Credentials a request carries for its own Langfuse project (never logged, exported or counted by secret). */
export interface RequestProject {
  publicKey: string;
  secretKey: string;
  host?: string;
}

/**
 * LiteLLM's per-request Langfuse credentials (litellm_core_utils/initialize_dynamic_callback_params.py): top-level
 * body keys first, then the request's metadata; `langfuse_secret` is the older name of `langfuse_secret_key`.
 * Both keys are needed: a public key alone cannot authenticate, so the call stays with the default project.
 */
function readRequestProject(body: Json | undefined, metadata: Json): RequestProject | undefined {
  const pick = (name: string) => asString(body?.[name]) ?? asString(metadata[name]);
  const publicKey = pick('langfuse_public_key');
  const secretKey = pick('langfuse_secret_key') ?? pick('langfuse_secret');
  if (publicKey === undefined || secretKey === undefined) return undefined;
  const host = pick('langfuse_host');
  return host === undefined ? { publicKey, secretKey } : { publicKey, secretKey, host };
}

/** A Langfuse prompt version, by name and version number: what Langfuse links a generation to. */
export interface PromptLink {
  name: string;
  version: number;
}

const asObject = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

const asString = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
};

const asBoolean = (value: unknown): boolean => value === true || (typeof value === 'string' && ['true', '1', 'yes'].includes(value.toLowerCase()));

/** The metadata object LiteLLM reads: `metadata`, or `litellm_metadata` on routes where `metadata` is the provider's own (Anthropic /v1/messages). */
function readMetadata(body: Json | undefined): Json {
  const merged: Json = {};
  const litellmMetadata = asObject(body?.litellm_metadata);
  const metadata = asObject(body?.metadata);
  if (metadata) Object.assign(merged, metadata);
  if (litellmMetadata) Object.assign(merged, litellmMetadata);
  return merged;
}

/** `langfuse_<key>` headers override the body's `metadata.<key>`, as in LiteLLM's add_metadata_from_header. */
function applyHeaderOverrides(metadata: Json, headers: IncomingHttpHeaders): void {
  for (const name in headers) {
    if (!name.startsWith('langfuse_')) continue;
    const value = readHeader(headers, name);
    if (value !== undefined) metadata[name.slice('langfuse_'.length)] = value;
  }
}

function parseTags(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(asString).filter((tag): tag is string => tag !== undefined);
  const text = asString(value);
  return text ? text.split(',').map((tag) => tag.trim()).filter(Boolean) : [];
}

function parseTraceMetadata(value: unknown): Json | undefined {
  if (typeof value === 'string') {
    try {
      return asObject(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return asObject(value);
}

/** Parses a captured JSON body, or undefined when it is not (complete) JSON. */
export function parseJsonBody(capture: BodyCapture): unknown {
  if (capture.truncated || capture.capturedBytes === 0) return undefined;
  return parseJsonBytes(readCapturedBody(capture));
}

/** Parses JSON bytes, or undefined when they are not JSON. */
export function parseJsonBytes(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const TRACE_ID_BYTES = Buffer.from('trace_id');
const NO_LOG_BYTES = Buffer.from('no-log');
// Per-request project credentials decide the call's export lane, so they too are read before the call ends.
const PUBLIC_KEY_BYTES = Buffer.from('langfuse_public_key');
const MARKER_MAX = Math.max(TRACE_ID_BYTES.length, NO_LOG_BYTES.length, PUBLIC_KEY_BYTES.length);
// Each marker is found through its rarest byte ('_' and '-'): indexOf(byte) is a memchr, where
// Buffer#includes(marker) starts from 't' or 'n', letters every prose prompt is full of.
const TRACE_ID_ANCHOR = TRACE_ID_BYTES.indexOf('_');
const NO_LOG_ANCHOR = NO_LOG_BYTES.indexOf('-');
const PUBLIC_KEY_ANCHOR = PUBLIC_KEY_BYTES.indexOf('_');

/** True when `marker` occurs in `haystack`, searched from the marker's byte at `anchor`. */
function containsMarker(haystack: Buffer, marker: Buffer, anchor: number): boolean {
  const byte = marker[anchor] as number;
  for (let at = haystack.indexOf(byte, anchor); at !== -1; at = haystack.indexOf(byte, at + 1)) {
    const start = at - anchor;
    if (start + marker.length > haystack.length) return false;
    let i = 0;
    while (i < marker.length && haystack[start + i] === marker[i]) i++;
    if (i === marker.length) return true;
  }
  return false;
}

const carriesMarker = (bytes: Buffer): boolean =>
  containsMarker(bytes, TRACE_ID_BYTES, TRACE_ID_ANCHOR) || containsMarker(bytes, NO_LOG_BYTES, NO_LOG_ANCHOR) || containsMarker(bytes, PUBLIC_KEY_BYTES, PUBLIC_KEY_ANCHOR);

/** True when the request body may name a trace id or ask for no logging, so it is worth parsing before the response starts. */
function mayCarryTraceDirectives(capture: BodyCapture): boolean {
  // A marker split across chunks lies within the last few bytes seen so far (`tail`, which may span several small
  // chunks) and the first few of the next: search only that seam instead of joining the body (this runs before
  // the response head goes out).
  let tail: Buffer | undefined;
  for (const chunk of capture.chunks) {
    if (carriesMarker(chunk)) return true;
    if (tail && carriesMarker(Buffer.concat([tail, chunk.subarray(0, MARKER_MAX - 1)]))) return true;
    tail = tail && chunk.length < MARKER_MAX - 1 ? Buffer.concat([tail, chunk]).subarray(-(MARKER_MAX - 1)) : chunk.subarray(-(MARKER_MAX - 1));
  }
  return false;
}

/**
 * LiteLLM's prompt convention (litellm/integrations/langfuse/langfuse.py, _add_prompt_to_generation_params): a
 * `prompt` object in the metadata, a Langfuse prompt as its SDK returns it (`name`, `version`, the text or
 * messages, `type`). Only name and version matter to the link; a version that is not a whole number links
 * nothing (Langfuse's prompt versions are 1, 2, …).
 */
function readPromptLink(value: unknown): PromptLink | undefined {
  const prompt = asObject(value);
  const name = asString(prompt?.name);
  const version = typeof prompt?.version === 'string' && /^\d+$/.test(prompt.version) ? Number(prompt.version) : prompt?.version;
  if (name === undefined || typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return undefined;
  return { name, version };
}

/** Reads the whole trace context from the request headers and the parsed request body. */
export function readTraceContext(headers: IncomingHttpHeaders, body: unknown): TraceContext {
  const json = asObject(body);
  const metadata = readMetadata(json);
  applyHeaderOverrides(metadata, headers);
  const existing = asString(metadata.existing_trace_id);
  const explicit = asString(metadata.trace_id);
  const tags = parseTags(metadata.tags);
  for (const tag of parseTags(readHeader(headers, 'x-litellm-tags'))) if (!tags.includes(tag)) tags.push(tag);
  return {
    traceId: existing ? normalizeTraceId(existing) : explicit ? normalizeTraceId(explicit) : undefined,
    existingTrace: existing !== undefined,
    sessionId: asString(metadata.session_id),
    userId: asString(metadata.trace_user_id) ?? asString(json?.user) ?? asString(asObject(json?.metadata)?.user_id),
    traceName: asString(metadata.trace_name),
    generationName: asString(metadata.generation_name),
    tags,
    version: asString(metadata.trace_version) ?? asString(metadata.version),
    release: asString(metadata.trace_release) ?? asString(metadata.release),
    traceMetadata: parseTraceMetadata(metadata.trace_metadata),
    prompt: readPromptLink(metadata.prompt),
    requestProject: readRequestProject(json, metadata),
    maskInput: asBoolean(metadata.mask_input),
    maskOutput: asBoolean(metadata.mask_output),
    redactMessages: asBoolean(readHeader(headers, 'x-litellm-enable-message-redaction')),
    noLog: asBoolean(json?.['no-log']),
  };
}

/** What must be known before the response headers go out: the trace id to announce, and whether to trace at all. */
export interface EarlyTraceDecision {
  traceId?: string;
  /** The caller's span, when the call joins the caller's trace (see decideTraceEarly). */
  callerSpan?: CallerSpan;
  /** LiteLLM's per-request Langfuse credentials, when the body carries them. */
  requestProject?: RequestProject;
  noLog: boolean;
  /** The parsed body when it had to be parsed, so the recorder does not parse it again. */
  json?: unknown;
}

/**
 * Decides the trace id early and cheaply: headers first, and the body only when it mentions a trace id or `no-log`.
 *
 * Precedence (docs/attribution.md): LiteLLM's explicit conventions first (`existing_trace_id`, then `trace_id`,
 * body metadata overridden by `langfuse_*` headers, as LiteLLM reads them), then the caller's W3C `traceparent`,
 * then a random id. An explicit id is the client's decision; a traceparent is often injected by instrumentation
 * the client's author never looked at. When the explicit id is the traceparent's trace, the call still nests
 * under the caller's span. The traceparent's `sampled` flag is not obeyed: a mesh proxy in front (Istio samples
 * 1 % by default) would otherwise silently drop LLM calls; LANGFUSE_SAMPLE_RATE decides, from the trace id.
 */
export function decideTraceEarly(headers: IncomingHttpHeaders, request: BodyCapture): EarlyTraceDecision {
  const caller = headers.traceparent === undefined ? undefined : readCallerSpan(headers);
  const headerTraceId = readHeader(headers, 'langfuse_existing_trace_id') ?? readHeader(headers, 'langfuse_trace_id');
  let decision: EarlyTraceDecision;
  if (!mayCarryTraceDirectives(request)) {
    decision = { traceId: headerTraceId ? normalizeTraceId(headerTraceId) : undefined, noLog: false };
  } else {
    const json = parseJsonBody(request);
    const context = readTraceContext(headers, json);
    decision = { traceId: context.traceId, noLog: context.noLog, json };
    if (context.requestProject) decision.requestProject = context.requestProject;
  }
  if (caller && (decision.traceId === undefined || decision.traceId === caller.traceId)) {
    decision.traceId = caller.traceId;
    decision.callerSpan = caller;
  }
  return decision;
}
