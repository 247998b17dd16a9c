import pino, { type Logger } from 'pino';

/**
 * Paths pino blanks out whatever the caller logged. The request log is built from an allowlist
 * (log-request.ts), so this is the backstop for a careless `log.info({ headers })`.
 */
export const REDACTED_LOG_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers.cookie',
  'authorization',
  'apiKey',
  'secretKey',
  'publicKey',
  'masterKey',
  '*.authorization',
  '*.secretKey',
  '*.apiKey',
];

/** Options for createLogger: level, format, and where lines go (tests pass a stream). */
export interface LoggerOptions {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  destination?: NodeJS.WritableStream;
}

/** Creates the pino logger: JSON lines, pretty only when asked or when stdout is a terminal. */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    base: { service: 'litellm-langfuse-sidecar' },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard' } } });
  }
  // Asynchronous writes keep logging off the request's critical path (sonic-boom coalesces lines while a
  // write is in flight); shutdown flushes them. No minLength: a 4 KB minimum held the `listening` line and
  // the rate-limited drop warnings in memory until enough other lines arrived, at low traffic forever.
  return pino(base, pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
