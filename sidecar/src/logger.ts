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

const LOG_FLUSH_INTERVAL_MS = 100;

/** Flushes a sonic-boom destination, ignoring the "not ready yet" it throws before its file descriptor opens. */
function flushQuietly(destination: { flush: () => void }): void {
  try {
    destination.flush();
  } catch {
    // not open yet, or already ended at exit: the next tick or the exit handler writes the rest
  }
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
  // Asynchronous, buffered writes keep logging off the request's critical path: without a minimum length
  // every access-log line was its own write(2), which the benchmark measured at about half the sidecar's CPU
  // per call at LOG_LEVEL=info. A 4 KB minimum alone held the `listening` line and the rate-limited drop
  // warnings in memory at low traffic, so a timer flushes whatever is buffered every 100 ms. pino flushes
  // synchronously on exit.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => flushQuietly(destination), LOG_FLUSH_INTERVAL_MS).unref();
  return pino(base, destination);
}

export type { Logger };
