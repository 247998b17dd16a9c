/**
 * The one table that maps a failure to reach LiteLLM to an HTTP answer, after
 * fastify-reply-from's lib/errors.js: refused or unresolvable → 503, timed out → 504, anything else → 502.
 */
export interface UpstreamFailure {
  status: 502 | 503 | 504;
  code: 'upstream_unavailable' | 'upstream_timeout' | 'bad_gateway';
  message: string;
  /** The underlying error, kept for logs and the trace's status message; never sent to the client. */
  cause: Error;
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UPSTREAM_TIMEOUT']);

/** Error raised by the forwarder when LiteLLM stays silent longer than the configured timeout. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`LiteLLM did not answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** Classifies an upstream error through the table, keeping it as the cause. */
export function classifyUpstreamError(error: Error): UpstreamFailure {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (UNAVAILABLE_CODES.has(code)) {
    return { status: 503, code: 'upstream_unavailable', message: 'The LiteLLM upstream is unavailable (connection refused or host not found).', cause: error };
  }
  if (TIMEOUT_CODES.has(code)) {
    return { status: 504, code: 'upstream_timeout', message: 'The LiteLLM upstream did not answer in time.', cause: error };
  }
  return { status: 502, code: 'bad_gateway', message: 'The LiteLLM upstream sent an invalid response or closed the connection.', cause: error };
}

/** The OpenAI-style error body LiteLLM itself uses, so clients' error handling needs nothing new. */
export function renderUpstreamErrorBody(failure: UpstreamFailure): string {
  return JSON.stringify({ error: { message: failure.message, type: 'upstream_error', param: null, code: failure.code } });
}

/** A short, non-secret description of the cause for logs and traces (error code and message, no stack). */
export function describeCause(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
