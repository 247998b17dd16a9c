import { describeAttribution } from '../attribution/describe-attribution';
import type { KeyAttribution } from '../attribution/key-info-client';
import { LANGFUSE_ATTRIBUTES as A } from '../export/langfuse-attributes';
import { readHeader, stripQuery } from '../http-values';
import type { AttributeValue, SpanRecord } from '../export/span-record';
import { readModelFromPath } from '../interpret';
import type { LlmRoute } from '../interpret/types';
import { describeCause } from '../proxy/upstream-errors';
import type { Exchange } from './exchange';
import { readRequestFacts, readResponseFacts, type ResponseReading } from './read-exchange-bodies';
import { hashApiKey, listLitellmMetadata, REDACTED } from './redact';

/** Options for createExchangeRecorder. */
export interface RecorderOptions {
  environment?: string;
  release?: string;
  /** SIDECAR_REDACT_MESSAGES: never send message content, input or output, for any call. */
  redactMessages: boolean;
  captureMaxBytes: number;
  /** What LiteLLM said of the call's key by now (LITELLM_MASTER_KEY set), and which of it to tag. */
  readKeyAttribution?: (keyHash: string | undefined) => KeyAttribution | undefined;
  attributionTags?: readonly string[];
}

const ROUTE_LABELS: Record<LlmRoute, string> = {
  chat: 'chat',
  completions: 'completion',
  embeddings: 'embedding',
  responses: 'responses',
  messages: 'messages',
  gemini: 'gemini',
  'gemini-stream': 'gemini',
  'gemini-embed': 'embedding',
  images: 'image',
  speech: 'speech',
  transcriptions: 'transcription',
  moderations: 'moderation',
  rerank: 'rerank',
  ocr: 'ocr',
  search: 'search',
};

/** Level and status message: every failure a user would want to find in Langfuse is an ERROR with a reason. */
function describeOutcome(exchange: Exchange, response: ResponseReading): string | undefined {
  if (exchange.failure) return `${exchange.failure.code}: ${describeCause(exchange.failure.cause)}`;
  const status = exchange.status ?? 0;
  if (status >= 400) return `HTTP ${status}: ${response.facts.error?.message ?? 'error response from LiteLLM'}`;
  if (response.facts.error) return `error in stream: ${response.facts.error.message}`;
  if (exchange.brokenMidResponse) return `LiteLLM broke off the response: ${exchange.brokenMidResponse}`;
  if (exchange.cutAtShutdown && !response.streamCompleted) return 'cut by the sidecar: the shutdown grace period (SIDECAR_SHUTDOWN_GRACE_MS) ran out before the response ended';
  if (exchange.clientAborted && !response.streamCompleted) return 'client aborted the request before the response ended';
  return undefined;
}

// The same few metadata keys on every span: build each attribute name once, so the renderer's key cache
// is hit with the same string object (hash already computed) instead of a fresh concatenation per span.
const metadataKeys = new Map<string, string>();
function observationMetadataKey(key: string): string {
  let full = metadataKeys.get(key);
  if (full === undefined) {
    full = `${A.OBSERVATION_METADATA}.${key}`;
    if (metadataKeys.size < 1024) metadataKeys.set(key, full);
  }
  return full;
}

/**
 * Langfuse's observation type for a route (its v4 list: generation, embedding, span, …). Embeddings have their own
 * type, so the dashboard does not count them as generations; a call on a route that is not a model call (traced
 * only with SIDECAR_TRACE_ALL_ROUTES) is a plain span.
 */
function observationTypeOf(route: LlmRoute | undefined): string {
  if (route === undefined) return 'span';
  return OBSERVATION_TYPES[route] ?? 'generation';
}

/**
 * The families that are not generations: embeddings are Langfuse's `embedding`; a moderation check is a
 * `guardrail` (it decides whether content passes, which is what Langfuse's guardrail type is for); a rerank and a
 * search are `retriever` steps (they find or order documents for a later generation). Images, audio and OCR are
 * generations: a model produced them, with usage and cost.
 */
const OBSERVATION_TYPES: Partial<Record<LlmRoute, string>> = {
  embeddings: 'embedding',
  'gemini-embed': 'embedding',
  moderations: 'guardrail',
  rerank: 'retriever',
  search: 'retriever',
};

function nameExchange(exchange: Exchange, path: string, model: string | undefined): string {
  if (!exchange.route) return `${exchange.method} ${path}`;
  return model ? `${ROUTE_LABELS[exchange.route]} ${model}` : ROUTE_LABELS[exchange.route];
}

/**
 * Creates the recorder: turns a finished exchange into one Langfuse generation span, with the attribute
 * names and encodings of @langfuse/tracing (createObservationAttributes: JSON-serialized input, output,
 * usage, cost, model parameters and completion start time; metadata flattened per key).
 */
export function createExchangeRecorder(options: RecorderOptions): (exchange: Exchange) => SpanRecord {
  return function recordExchange(exchange) {
    const { facts: request, context } = readRequestFacts(exchange);
    const response = readResponseFacts(exchange, options.captureMaxBytes);
    // Azure-style routes (/openai/deployments/{model}/…) may name the model only in the path.
    const path = stripQuery(exchange.url);
    const model = response.facts.model ?? request.model ?? readModelFromPath(path);
    const name = nameExchange(exchange, path, model);
    const error = describeOutcome(exchange, response);
    const attributes: Record<string, AttributeValue> = { [A.OBSERVATION_TYPE]: observationTypeOf(exchange.route) };
    const set = (key: string, value: unknown) => {
      if (value === undefined || value === null) return;
      // A Buffer is JSON text lifted from the request as the client sent it (lift-prompt.ts).
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || Buffer.isBuffer(value)) {
        attributes[key] = value;
        return;
      }
      try {
        attributes[key] = JSON.stringify(value);
      } catch {
        // JSON.stringify recurses: a body nested 100 000 deep (which JSON.parse accepts) overflows the stack.
        // Keep the trace and say why this value is missing, rather than lose the whole call.
        attributes[key] = '[not recorded: nested too deeply to serialize]';
      }
    };

    const redactAll = options.redactMessages || context.redactMessages;
    set(A.OBSERVATION_INPUT, redactAll || context.maskInput ? REDACTED : request.input);
    set(A.OBSERVATION_OUTPUT, redactAll || context.maskOutput ? REDACTED : response.facts.output);
    set(A.OBSERVATION_MODEL, model);
    if (Object.keys(request.modelParameters).length > 0) set(A.OBSERVATION_MODEL_PARAMETERS, request.modelParameters);
    if (response.facts.usage && Object.keys(response.facts.usage).length > 0) set(A.OBSERVATION_USAGE_DETAILS, response.facts.usage);
    const costHeader = readHeader(exchange.responseHeaders, 'x-litellm-response-cost');
    const headerCost = Number(costHeader);
    const cost = costHeader !== undefined && Number.isFinite(headerCost) ? headerCost : response.facts.costUsd;
    if (cost !== undefined) set(A.OBSERVATION_COST_DETAILS, { total: cost });
    if (response.completionStartMs !== undefined) set(A.OBSERVATION_COMPLETION_START_TIME, new Date(response.completionStartMs));
    if (error) {
      set(A.OBSERVATION_LEVEL, 'ERROR');
      set(A.OBSERVATION_STATUS_MESSAGE, error);
    }
    set(A.ENVIRONMENT, options.environment);
    set(A.RELEASE, context.release ?? options.release);
    set(A.VERSION, context.version);
    // LiteLLM's prompt convention (metadata.prompt, a Langfuse prompt's name and version): links the generation
    // to that prompt version in Langfuse, as the SDKs' `prompt` option does.
    if (context.prompt) {
      attributes[A.OBSERVATION_PROMPT_NAME] = context.prompt.name;
      attributes[A.OBSERVATION_PROMPT_VERSION] = context.prompt.version;
    }

    // Metadata goes straight into the attributes, one key each (as @langfuse/tracing flattens it). What the
    // request contributes (Responses API instructions, tools, previous_response_id) first, so the sidecar's own
    // keys win; instructions are prompt content, so they go wherever the input goes.
    const meta = (key: string, value: unknown) => {
      if (value === undefined) return;
      attributes[observationMetadataKey(key)] = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : JSON.stringify(value);
    };
    if (request.metadata && !(redactAll || context.maskInput)) for (const key in request.metadata) meta(key, request.metadata[key]);
    meta('route', exchange.route ?? 'other');
    meta('method', exchange.method);
    meta('path', path);
    meta('http_status', exchange.failure?.status ?? exchange.status);
    meta('stream', request.stream || undefined);
    meta('finish_reason', response.facts.finishReason);
    meta('response_id', response.facts.responseId);
    meta('api_key_hash', hashApiKey(exchange.requestHeaders));
    // A resend is visible where cost is reviewed: had LiteLLM acted on the first attempt, the call ran twice.
    meta('upstream_resend', exchange.upstreamResend);
    meta('request_truncated', exchange.request.truncated || undefined);
    meta('response_truncated', exchange.response.truncated || response.decodedTruncated || undefined);
    meta('request_bytes', exchange.request.totalBytes);
    meta('response_bytes', exchange.response.totalBytes);
    // A close right after the stream's terminator is a completed call (see isTerminalEvent), not an abort.
    meta('client_aborted', (exchange.clientAborted && !response.streamCompleted) || undefined);
    const litellm = listLitellmMetadata(exchange.responseHeaders);
    for (const key in litellm) meta(key, litellm[key]);
    const keyInfo = options.readKeyAttribution?.(exchange.apiKeyHash);
    const attribution = keyInfo ? describeAttribution(keyInfo, options.attributionTags ?? []) : undefined;
    if (attribution) for (const key in attribution.metadata) meta(key, attribution.metadata[key]);

    // existing_trace_id joins someone else's trace: leave its name, user, session and tags alone (LiteLLM does the same).
    // Nested under a caller's span (traceparent), the trace is the caller's: it keeps its own name unless the
    // client named one, while user, session and tags still reach it, as a Langfuse SDK child span's would.
    const caller = exchange.callerSpan;
    if (!context.existingTrace) {
      set(A.TRACE_NAME, caller ? context.traceName : (context.traceName ?? name));
      // The key's user stands in when the client named none, as LiteLLM's own logging does.
      set(A.TRACE_USER_ID, context.userId ?? keyInfo?.userId);
      set(A.TRACE_SESSION_ID, context.sessionId);
      const tags = attribution ? [...new Set([...context.tags, ...attribution.tags])] : context.tags;
      if (tags.length > 0) attributes[A.TRACE_TAGS] = tags;
      if (context.traceMetadata) {
        for (const key in context.traceMetadata) {
          const value = context.traceMetadata[key];
          if (value !== undefined && value !== null) attributes[`${A.TRACE_METADATA}.${key}`] = typeof value === 'string' ? value : JSON.stringify(value);
        }
      }
    }

    // Langfuse's span processor marks a span whose parent it will not export as an app root (so Langfuse shows it
    // as where the app's work starts), unless the caller's SDK claimed the trace through baggage
    // (`langfuse_trace_id`): then the caller's span is the root and keeps the trace's name, input and output.
    if (caller && !caller.claimedByCaller && !context.existingTrace) attributes[A.IS_APP_ROOT] = true;

    return {
      traceId: exchange.traceId,
      spanId: exchange.spanId,
      parentSpanId: caller?.spanId,
      traceState: caller?.traceState,
      name: context.generationName ?? name,
      startMs: exchange.startMs,
      endMs: exchange.endMs,
      attributes,
      error,
    };
  };
}
