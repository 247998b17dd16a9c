import type { UpstreamErrorFacts } from './types';
import { asObject, asString, isObject, stringifyJson, type JsonObject } from './values';

/**
 * LiteLLM's ProxyException fills absent fields with the string "None"
 * (`type=getattr(e, "type", "None")` in litellm/proxy/proxy_server.py): treat it as absent.
 */
function readField(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '' || value === 'None') return undefined;
  return value;
}

/** A message from whatever the upstream put there: text as-is, anything else as JSON. */
function readMessage(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  return stringifyJson(value);
}

/** Builds error facts from an `{message, type, param, code}` object. */
function readErrorObject(error: JsonObject, ignoredType?: string): UpstreamErrorFacts {
  const facts: UpstreamErrorFacts = { message: readMessage(error.message) ?? readField(error.type) ?? readField(error.code) ?? 'error' };
  const type = readField(error.type);
  if (type !== undefined && type !== ignoredType) facts.type = type;
  const code = readField(error.code);
  if (code !== undefined) facts.code = code;
  const param = readField(error.param);
  if (param !== undefined) facts.param = param;
  return facts;
}

/**
 * The error a body reports, or undefined. Understands:
 * - OpenAI / LiteLLM `{"error": {"message", "type", "param", "code"}}`, also as an SSE `data:` event;
 * - Anthropic `{"type": "error", "error": {"type", "message"}}`;
 * - OpenAI stream `{"type": "error", "code", "message", "param"}` (Responses API `error` event);
 * - `{"error": "text"}` and FastAPI's `{"detail": "text" | {"error": "text"}}`, which LiteLLM
 *   returns for HTTPExceptions raised outside its ProxyException handler.
 * A Responses object always carries `"error": null`; that is not an error.
 */
export function readUpstreamError(body: unknown): UpstreamErrorFacts | undefined {
  const obj = asObject(body);
  if (obj === undefined) return undefined;
  const error = obj.error;
  if (isObject(error)) return readErrorObject(error);
  if (typeof error === 'string' && error !== '') return { message: error };
  if (obj.type === 'error') return readErrorObject(obj, 'error');
  const detail = obj.detail;
  if (typeof detail === 'string' && detail !== '') return { message: detail };
  if (isObject(detail)) {
    const inner = detail.error;
    if (isObject(inner)) return readErrorObject(inner);
    const message = asString(inner) ?? readMessage(detail.message);
    if (message !== undefined) return { message };
  }
  return undefined;
}
