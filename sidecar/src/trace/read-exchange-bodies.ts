import { findArrivalTime, readCapturedBody } from '../capture/capture-body';
import { decodeCapturedBody } from '../capture/decode-body';
import { parseMultipartFields } from '../capture/parse-multipart';
import { readHeader } from '../http-values';
import { interpretRequest, interpretResponse, interpretStream, parseSseEvents } from '../interpret';
import type { LlmRoute, RequestFacts, ResponseFacts, SseEvent } from '../interpret/types';
import type { Exchange } from './exchange';
import { liftPrompt } from './lift-prompt';
import { parseJsonBody, parseJsonBytes, readTraceContext, type TraceContext } from './read-trace-context';
import { redactCredentialFields, redactCredentialText } from './redact';

/**
 * Reads what the captured request and response bodies say (the first step of recording an exchange): the
 * request's facts and the trace context its metadata carries, and the response's facts, for JSON, event
 * streams, forms and bodies that cannot be parsed.
 */

// LiteLLM's and Anthropic's stream terminators: a client that closes after one of these completed its call
// (the Python openai client may close as soon as it read `data: [DONE]`, before the response ends).
const TERMINAL_TYPES = ['"type":"message_stop"', '"type": "message_stop"', '"type":"response.completed"', '"type": "response.completed"'];
const isTerminalEvent = (event: SseEvent): boolean =>
  event.data === '[DONE]' ||
  event.event === 'message_stop' ||
  event.event === 'response.completed' ||
  // LiteLLM's /v1/messages and /v1/responses streams may be data-only frames: the type is inside the JSON.
  TERMINAL_TYPES.some((marker) => event.data.includes(marker));

/** Routes whose response is mostly payload (vectors, image data): a body that cannot be read whole is only sized. */
const PAYLOAD_ROUTES: ReadonlySet<LlmRoute> = new Set<LlmRoute>(['embeddings', 'gemini-embed', 'images']);

/** A body that could not be parsed whole (truncated, or not JSON) is shown as text, with its size. */
function describeRawBody(body: Buffer, truncated: boolean, totalBytes: number, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  if (contentType && !/json|text|event-stream|x-www-form-urlencoded/.test(contentType)) {
    return { contentType, bytes: totalBytes };
  }
  // Unparsed text may still hold credentials (a truncated body's `"api_key": …`, a form's `password=`).
  const text = redactCredentialText(body.toString('utf8'), contentType?.includes('x-www-form-urlencoded') === true);
  return truncated ? `${text}\n[truncated by the sidecar: ${totalBytes} bytes in all]` : text;
}

// Below a few KB, V8's JSON.parse and JSON.stringify of the whole body cost no more than the scan (measured:
// 5 µs either way on a 1 KB chat call); above, lifting wins by far (a 1 MiB prompt: 5 ms to 60 µs).
const LIFT_PROMPT_MIN_BYTES = 8 * 1024;

/**
 * The request body as JSON (a form's fields for multipart uploads), with a large prompt lifted out as its bytes
 * instead of parsed (lift-prompt.ts); undefined when the body is not JSON. The body parsed early (to read a trace
 * id before the response head) is reused.
 */
export function readRequestJson(exchange: Exchange): { json: unknown; prompt?: Buffer } {
  const contentType = readHeader(exchange.requestHeaders, 'content-type');
  let json = exchange.requestJson;
  let prompt: Buffer | undefined;
  if (json === undefined && (contentType === undefined || contentType.includes('json'))) {
    if (exchange.route && !exchange.request.truncated && exchange.request.capturedBytes >= LIFT_PROMPT_MIN_BYTES) {
      // Joined once: a body the lift declines (tools, a string prompt) is parsed whole from the same bytes.
      const body = readCapturedBody(exchange.request);
      const lifted = liftPrompt(exchange.route, body);
      if (lifted) ({ json, prompt } = lifted);
      else json = parseJsonBytes(body);
    } else {
      json = parseJsonBody(exchange.request);
    }
  }
  // Transcriptions and image edits are forms: their fields, with each file summarised, stand in for a JSON body.
  if (json === undefined && exchange.route && contentType?.startsWith('multipart/form-data')) {
    json = parseMultipartFields(readCapturedBody(exchange.request), contentType, exchange.request.truncated);
  }
  return { json, prompt };
}

export function readRequestFacts(exchange: Exchange): { facts: RequestFacts; json: unknown; context: TraceContext } {
  const contentType = readHeader(exchange.requestHeaders, 'content-type');
  const { json, prompt } = readRequestJson(exchange);
  const context = readTraceContext(exchange.requestHeaders, json);
  let facts: RequestFacts;
  if (exchange.route && json !== undefined) {
    facts = interpretRequest(exchange.route, json);
    if (prompt) facts.input = prompt;
  } else {
    const raw = json !== undefined ? redactCredentialFields(json) : describeRawBody(readCapturedBody(exchange.request), exchange.request.truncated, exchange.request.totalBytes, contentType);
    facts = { input: raw, modelParameters: {}, stream: false };
  }
  return { facts, json, context };
}

export interface ResponseReading {
  facts: ResponseFacts;
  completionStartMs?: number;
  streamCompleted: boolean;
  /** The decoded body passed the cap (a compressed body can be small on the wire and huge decoded). */
  decodedTruncated?: boolean;
}

export function readResponseFacts(exchange: Exchange, maxBytes: number): ResponseReading {
  const reading: ResponseReading = { facts: {}, streamCompleted: false };
  if (exchange.response.capturedBytes === 0) return reading;
  const contentType = readHeader(exchange.responseHeaders, 'content-type') ?? '';
  const encoding = readHeader(exchange.responseHeaders, 'content-encoding');
  const decoded = decodeCapturedBody(readCapturedBody(exchange.response), encoding, maxBytes);
  if (!decoded) {
    reading.facts.output = { contentType, contentEncoding: encoding, bytes: exchange.response.totalBytes };
    return reading;
  }
  const truncated = exchange.response.truncated || decoded.truncated;
  reading.decodedTruncated = decoded.truncated;
  if (contentType.startsWith('text/event-stream')) {
    const events = parseSseEvents(decoded.body);
    reading.streamCompleted = events.length > 0 && isTerminalEvent(events[events.length - 1] as SseEvent);
    reading.facts = exchange.route ? interpretStream(exchange.route, events) : { output: describeRawBody(decoded.body, truncated, exchange.response.totalBytes, contentType) };
    // Offsets index the body as received; they only map to arrival times when it was not compressed.
    if (reading.facts.firstContentOffset !== undefined && !encoding) {
      reading.completionStartMs = findArrivalTime(exchange.response, reading.facts.firstContentOffset);
    }
    return reading;
  }
  const json = !truncated && contentType.includes('json') ? parseJsonBytes(decoded.body) : undefined;
  if (json !== undefined && exchange.route) reading.facts = interpretResponse(exchange.route, json);
  else if (json === undefined && exchange.route !== undefined && PAYLOAD_ROUTES.has(exchange.route)) reading.facts.output = { contentType, bytes: exchange.response.totalBytes, truncated };
  else reading.facts.output = json !== undefined ? redactCredentialFields(json) : describeRawBody(decoded.body, truncated, exchange.response.totalBytes, contentType);
  return reading;
}

