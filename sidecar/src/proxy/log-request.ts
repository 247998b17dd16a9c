import type { Logger } from 'pino';
import { stripQuery } from '../http-values';
import type { Exchange } from '../trace/exchange';
import { describeCause } from './upstream-errors';

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Writes the one access-log line per request. Fields come from an allowlist: no header or body is
 * logged, and the query string is left out (some LiteLLM pass-through routes take `?key=`).
 */
export function logRequest(logger: Logger, exchange: Exchange, status: number): void {
  if (!logger.isLevelEnabled('info')) return;
  const line: Record<string, unknown> = {
    method: exchange.method,
    path: stripQuery(exchange.url),
    status,
    durationMs: round(exchange.endMs - exchange.startMs),
  };
  if (exchange.responseStartMs !== undefined) line.headersMs = round(exchange.responseStartMs - exchange.startMs);
  if (exchange.traceId) line.traceId = exchange.traceId;
  const callId = exchange.responseHeaders?.['x-litellm-call-id'];
  if (callId) line.callId = callId;
  const overhead = exchange.responseHeaders?.['x-litellm-overhead-duration-ms'];
  if (overhead) line.litellmOverheadMs = Number(overhead);
  if (exchange.upstreamResend) line.upstreamResend = exchange.upstreamResend;
  if (exchange.failure) {
    line.error = exchange.failure.code;
    // An error code and Node's message ("socket hang up", "connect ECONNREFUSED 10.0.0.5:4000"): no header or body.
    line.errorCause = describeCause(exchange.failure.cause);
  }
  if (exchange.brokenMidResponse) line.error = 'upstream_broke_mid_response';
  if (exchange.clientAborted) line.clientAborted = true;
  if (exchange.cutAtShutdown) line.cutAtShutdown = true;
  logger.info(line, 'request');
}
