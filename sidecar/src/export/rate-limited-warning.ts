import type { Logger } from 'pino';

/** A warning that aggregates counts per reason between log lines. */
export interface RateLimitedWarning {
  note: (reason: string, count: number, detail?: Record<string, unknown>) => void;
  /** Logs what is pending now (on shutdown). */
  flush: () => void;
}

/**
 * Counts occurrences per reason and logs them at most once per interval, so a Langfuse outage
 * produces one line every interval with exact totals, not one line per request.
 */
export function createRateLimitedWarning(logger: Logger, message: string, intervalMs = 30_000): RateLimitedWarning {
  let pending = new Map<string, number>();
  let lastDetail: Record<string, unknown> | undefined;
  let lastLogged = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    lastLogged = Date.now();
    logger.warn({ ...lastDetail, counts: Object.fromEntries(pending) }, message);
    pending = new Map();
  };

  const note = (reason: string, count: number, detail?: Record<string, unknown>) => {
    pending.set(reason, (pending.get(reason) ?? 0) + count);
    if (detail) lastDetail = detail;
    if (Date.now() - lastLogged >= intervalMs) flush();
    else timer ??= setTimeout(flush, intervalMs - (Date.now() - lastLogged)).unref();
  };

  return { note, flush };
}
