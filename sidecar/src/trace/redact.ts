import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { readHeader, stripQuery } from '../http-values';

/** What replaces masked input or output: LiteLLM's own marker, so dashboards built on it keep working. */
export const REDACTED = 'redacted-by-litellm';

/**
 * LiteLLM response headers worth keeping as generation metadata. An allowlist: a header not named here never
 * reaches Langfuse, whatever LiteLLM (or a provider behind it) adds later.
 */
const LITELLM_METADATA_HEADERS: Record<string, string> = {
  'x-litellm-call-id': 'litellm_call_id',
  'x-litellm-model-id': 'litellm_model_id',
  'x-litellm-model-group': 'litellm_model_group',
  'x-litellm-model-name': 'litellm_model_name',
  'x-litellm-model-api-base': 'litellm_model_api_base',
  'x-litellm-response-cost': 'litellm_response_cost',
  'x-litellm-response-duration-ms': 'litellm_response_duration_ms',
  'x-litellm-overhead-duration-ms': 'litellm_overhead_duration_ms',
  'x-litellm-attempted-retries': 'litellm_attempted_retries',
  'x-litellm-attempted-fallbacks': 'litellm_attempted_fallbacks',
  'x-litellm-version': 'litellm_version',
  'x-litellm-key-spend': 'litellm_key_spend',
  'x-ratelimit-remaining-requests': 'ratelimit_remaining_requests',
  'x-ratelimit-remaining-tokens': 'ratelimit_remaining_tokens',
};

/** Picks the allowlisted LiteLLM headers as metadata entries (the api base without any query string). */
export function listLitellmMetadata(headers: IncomingHttpHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const name in LITELLM_METADATA_HEADERS) {
    const value = readHeader(headers, name);
    if (value === undefined || value === '') continue;
    out[LITELLM_METADATA_HEADERS[name] as string] = name === 'x-litellm-model-api-base' ? stripQuery(value) : value;
  }
  return out;
}

const bearer = (value: string | undefined): string | undefined => {
  const token = value?.replace(/^Bearer\s+/i, '').trim();
  return token ? token : undefined;
};

/**
 * The LiteLLM key a call authenticates with, read in LiteLLM's own order (proxy/auth/user_api_key_auth.py
 * get_api_key): `x-litellm-api-key` (its default custom key header, used when Authorization carries a provider's
 * key), then the Bearer token, Azure's `api-key`, Anthropic's `x-api-key`, Google AI Studio's `x-goog-api-key`
 * and Azure APIM's `Ocp-Apim-Subscription-Key`. Never logged or exported: only hashed.
 */
export function readApiKey(headers: IncomingHttpHeaders): string | undefined {
  return (
    bearer(readHeader(headers, 'x-litellm-api-key')) ??
    bearer(readHeader(headers, 'authorization')) ??
    readHeader(headers, 'api-key') ??
    readHeader(headers, 'x-api-key') ??
    readHeader(headers, 'x-goog-api-key') ??
    readHeader(headers, 'ocp-apim-subscription-key')
  );
}

interface KeyHashes {
  /** SHA-256 hex: LiteLLM's own hash of a virtual key (`user_api_key_hash`, what /key/info is asked by). */
  full: string;
  /** `sha256:` and its first 16 hex: the short form recorded as `api_key_hash`. */
  short: string;
}

const recentKeyHashes = new Map<string, KeyHashes>();
const MAX_RECENT_KEYS = 1024;

/**
 * The hashes of a key, computed once per key: a handful of keys make most calls, so recent ones are remembered
 * (bounded, cleared when full). The trace's `api_key_hash` and key attribution share this one cache.
 */
export function hashKey(key: string): KeyHashes {
  let hashes = recentKeyHashes.get(key);
  if (hashes === undefined) {
    const full = createHash('sha256').update(key).digest('hex');
    hashes = { full, short: `sha256:${full.slice(0, 16)}` };
    if (recentKeyHashes.size >= MAX_RECENT_KEYS) recentKeyHashes.clear();
    recentKeyHashes.set(key, hashes);
  }
  return hashes;
}

/**
 * A short one-way hash of the caller's API key (readApiKey): enough to group spend per key in Langfuse, useless
 * for calling anything. The key itself never leaves the process.
 */
export function hashApiKey(headers: IncomingHttpHeaders): string | undefined {
  const key = readApiKey(headers);
  return key ? hashKey(key).short : undefined;
}

/** What replaces a credential found in a recorded body. */
export const REDACTED_CREDENTIAL = '[redacted]';

// Field names that hold credentials in LiteLLM's management API and provider configs: `key`/`keys` (/key/*),
// `token`, `api_key` and `*_api_key`, `master_key`, `aws_secret_access_key`, `vertex_credentials`, `password` (/login)...
const CREDENTIAL_FIELD = /(?:^|[_-])(?:api[_-]?key|key|keys|token|secret|password|passwd|authorization|credentials?|private[_-]?key)$/i;
const MAX_DEPTH = 32;

/** True for a field name whose value is a credential. */
export function isCredentialField(name: string): boolean {
  return CREDENTIAL_FIELD.test(name);
}

/**
 * A copy of a parsed body with every credential field's value replaced. Used for bodies the sidecar records
 * as they are (routes other than the LLM ones, traced with SIDECAR_TRACE_ALL_ROUTES), where /key/generate
 * answers with a new key and /model/new carries provider keys.
 */
export function redactCredentialFields(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactCredentialFields(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    out[name] = isCredentialField(name) && item !== null && item !== '' ? REDACTED_CREDENTIAL : redactCredentialFields(item, depth + 1);
  }
  return out;
}

// `"name": "value"` in JSON text (the closing quote may be cut off by the capture cap), and `name=value` form pairs.
const JSON_STRING_FIELD = /"((?:[^"\\]|\\.){1,100})"(\s*:\s*)"(?:[^"\\]|\\.)*"?/g;
const FORM_FIELD = /(^|&)([^=&]{1,100})=([^&]*)/g;

const decodeFormName = (name: string): string => {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
};

/** Body text that could not be parsed (truncated JSON, a form) with credential values blanked. */
export function redactCredentialText(text: string, form: boolean): string {
  if (form) return text.replace(FORM_FIELD, (match, lead: string, name: string) => (isCredentialField(decodeFormName(name)) ? `${lead}${name}=${REDACTED_CREDENTIAL}` : match));
  return text.replace(JSON_STRING_FIELD, (match, name: string, colon: string) => (isCredentialField(name) ? `"${name}"${colon}"${REDACTED_CREDENTIAL}"` : match));
}
