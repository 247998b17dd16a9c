import pino, { type Logger } from 'pino';
import { createLogDestination, formatIsoTime } from './log-destination';

/**
 * Paths pino blanks out whatever the caller logged. The request log is built from an allowlist
 * (log-request.ts), so this is the backstop for a careless `log.info({ headers })`.
 */
export const REDACTED_LOG_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["x-goog-api-key"]',
  'headers["x-litellm-api-key"]',
  'headers["ocp-apim-subscription-key"]',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers["x-litellm-api-key"]',
  'req.headers["ocp-apim-subscription-key"]',
  'req.headers.cookie',
  'authorization',
  'apiKey',
  'secretKey',
  'masterKey',
  'publicKey',
  '*.authorization',
  '*.secretKey',
  '*.masterKey',
  '*.apiKey',
];

/** Options for createLogger: level, format, and where lines go (tests pass a stream). */
export interface LoggerOptions {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  destination?: NodeJS.WritableStream;
}

/**
 * Batching of the JSON lines written to stdout. 100 ms: a line appears within a tenth of a second at low traffic.
 * 64 KB: at the benchmark's ~6,000 calls/s (~1.5 MB/s of access log) that is ~25 writes a second instead of one
 * per 16 lines. 16 MB: what a stalled log reader may make the sidecar hold before it drops lines.
 */
const LOG_BATCH = { flushIntervalMs: 100, batchBytes: 64 * 1024, maxBufferedBytes: 16 * 1024 * 1024 };

/** Creates the pino logger: JSON lines, pretty only when asked or when stdout is a terminal. */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    base: { service: 'litellm-langfuse-sidecar' },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    timestamp: formatIsoTime,
  };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard' } } });
  }
  // Asynchronous, batched writes keep logging off the request's critical path (log-destination.ts). pino cannot
  // see through the batcher to flush it at exit, so the exit hook does: the `stopped` line is the last one written.
  const destination = createLogDestination({ fd: 1, ...LOG_BATCH });
  process.on('exit', () => destination.flushSync());
  return pino(base, destination);
}

/**
 * The access logger: the same destination and format, without the redaction backstop. Every access-log field
 * comes from log-request.ts's allowlist of scalars (method, path without query, status, timings, ids, error
 * codes), none of which the redaction paths could ever match, and the backstop's path walk cost ~5 µs a line.
 * Anything logged through the main logger keeps the backstop.
 */
export function createAccessLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}

export type { Logger };
