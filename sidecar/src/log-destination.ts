import pino from 'pino';

/** Options for createLogDestination. */
export interface LogDestinationOptions {
  /** File descriptor to write to (1: stdout). */
  fd: number;
  /** Lines are handed to the writer in batches of about this many bytes… */
  batchBytes: number;
  /** …or at least this often, so a quiet sidecar's lines still appear promptly. */
  flushIntervalMs: number;
  /** Bytes the writer may hold when stdout stops draining; beyond it lines are dropped, not buffered. */
  maxBufferedBytes: number;
}

/** A pino destination that also exposes flushSync for the last lines before exit. */
export interface LogDestination {
  write: (line: string) => void;
  flush: (callback?: (error?: Error) => void) => void;
  flushSync: () => void;
}

/**
 * Gathers log lines into batches before they reach sonic-boom. sonic-boom appends each line to its pending
 * string and measures that string's UTF-8 length on every write, so with a 4 KB minimum it flattened and
 * scanned up to 16 KB per access-log line; a profile at LOG_LEVEL=info showed that, plus one fs.write per few
 * lines, as most of the access log's cost (issue 15). Here a line costs an array push; a batch is joined once.
 * Writes stay asynchronous (a slow stdout never blocks a request), and `maxBufferedBytes` bounds what a stalled
 * log reader can make the process hold.
 */
export function createLogDestination(options: LogDestinationOptions): LogDestination {
  const writer = pino.destination({ dest: options.fd, sync: false, maxLength: options.maxBufferedBytes });
  let pending: string[] = [];
  let pendingLength = 0;

  const handOver = (): void => {
    if (pending.length === 0) return;
    const batch = pending.length === 1 ? (pending[0] as string) : pending.join('');
    pending = [];
    pendingLength = 0;
    writer.write(batch);
  };
  setInterval(handOver, options.flushIntervalMs).unref();

  return {
    write(line) {
      pending.push(line);
      pendingLength += line.length;
      if (pendingLength >= options.batchBytes) handOver();
    },
    flush(callback) {
      handOver();
      writer.flush(callback);
    },
    flushSync() {
      handOver();
      try {
        writer.flushSync();
      } catch {
        // Not open yet (nothing was ever written) or already closed at exit: nothing left to save.
      }
    },
  };
}

const isoTimes = { ms: 0, text: '' };

/**
 * pino's `isoTime`, formatted once per millisecond: under load many lines share a millisecond, and
 * `Date#toISOString` was 3 µs of every access-log line in the profile.
 */
export function formatIsoTime(): string {
  const now = Date.now();
  if (now !== isoTimes.ms) {
    isoTimes.ms = now;
    isoTimes.text = `,"time":"${new Date(now).toISOString()}"`;
  }
  return isoTimes.text;
}
