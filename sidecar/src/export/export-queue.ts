import type { Logger } from 'pino';
import type { ExportOptions } from '../config';
import type { SidecarMetrics } from '../metrics';
import type { Exchange } from '../trace/exchange';
import type { OtlpSender } from './send-otlp';
import { createRateLimitedWarning } from './rate-limited-warning';

/** Options for createExportQueue. */
export interface ExportQueueOptions extends ExportOptions {
  /** Turns an exchange into a rendered OTLP span fragment; undefined to skip it. */
  renderExchange: (exchange: Exchange) => string | undefined;
  renderBatch: (fragments: string[]) => string;
  sender: OtlpSender;
  metrics: SidecarMetrics;
  logger: Logger;
}

/** The bounded, batching export queue between the request path and Langfuse. */
export interface ExportQueue {
  /** O(1) on the request path: queues the exchange, or counts a drop when the queue is full. */
  enqueue: (exchange: Exchange) => void;
  /** Exports everything queued, giving up at the deadline; resolves with what was abandoned. */
  flush: (deadlineMs: number) => Promise<{ abandoned: number }>;
}

// Langfuse's OTLP endpoint takes request bodies of a few MB; keep each POST well under that.
const MAX_BATCH_BODY_CHARS = 3 * 1024 * 1024;
// Rendering happens in slices between I/O turns, so one batch never blocks the event loop for long.
const RENDER_SLICE_MS = 1;
const EXCHANGE_OVERHEAD_BYTES = 2048;

/** A batch between rendering and Langfuse's answer. */
interface OpenBatch {
  traces: number;
  /** Counted as abandoned by an expired flush. */
  abandoned: boolean;
}

const sizeOf = (exchange: Exchange): number => exchange.request.capturedBytes + exchange.response.capturedBytes + EXCHANGE_OVERHEAD_BYTES;

/**
 * Creates the queue. Memory is bounded twice over: by count (`queueMax` exchanges) and by bytes
 * (`queueMaxBytes` of captured bodies plus batches being sent). When full, new exchanges are dropped and
 * counted, never blocking or slowing a response. Export failures are counted and logged at most twice a minute.
 */
export function createExportQueue(options: ExportQueueOptions): ExportQueue {
  const { metrics, logger, sender } = options;
  const pending: Exchange[] = [];
  let pendingBytes = 0;
  let renderingBytes = 0;
  let inflightBytes = 0;
  let inflight = 0;
  // Batches being rendered or sent and not yet answered: when a flush runs out of time their traces are
  // abandoned too, and must be counted, or a hanging Langfuse loses them without a word.
  const openBatches = new Set<OpenBatch>();
  let rendering = false;
  let flushing = false;
  let timer: NodeJS.Timeout | undefined;
  let drainScheduled = false;
  const idleWaiters: Array<() => void> = [];
  const dropWarning = createRateLimitedWarning(logger, 'traces dropped');
  const exportWarning = createRateLimitedWarning(logger, 'Langfuse export failed; traces dropped');
  const heldBytes = () => pendingBytes + renderingBytes + inflightBytes;
  // A batch is ready when it is full by count or by size: large traces (1 MiB prompts) fill the body cap long
  // before 256 of them arrive, and waiting for the interval then let the byte-bounded queue overflow.
  const batchReady = () => pending.length >= options.batchSize || pendingBytes >= MAX_BATCH_BODY_CHARS;
  metrics.queueLength = () => pending.length;
  metrics.queueBytes = heldBytes;

  const notifyIfIdle = () => {
    if (pending.length === 0 && inflight === 0 && !rendering) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  /** A full batch (or a flush) drains on the next turn; a partial one waits for the interval, so light traffic still batches. */
  const scheduleDrain = () => {
    if (batchReady() || flushing) {
      if (drainScheduled) return;
      drainScheduled = true;
      setImmediate(() => {
        drainScheduled = false;
        drain();
      });
    } else if (!timer && pending.length > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        drain();
      }, options.intervalMs);
      timer.unref();
    }
  };

  function enqueue(exchange: Exchange): void {
    const size = sizeOf(exchange);
    if (pending.length >= options.queueMax || heldBytes() + size > options.queueMaxBytes) {
      metrics.tracesDroppedTotal++;
      metrics.tracesDroppedQueueFull++;
      dropWarning.note('queue_full', 1, { queueLength: pending.length, queueBytes: heldBytes() });
      return;
    }
    pending.push(exchange);
    pendingBytes += size;
    metrics.tracesRecordedTotal++;
    scheduleDrain();
  }

  function drain(): void {
    if (rendering || inflight >= options.concurrency || pending.length === 0) {
      notifyIfIdle();
      return;
    }
    rendering = true;
    const fragments: string[] = [];
    const batch: OpenBatch = { traces: 0, abandoned: false };
    openBatches.add(batch);
    let chars = 0;
    const batchOpen = () => fragments.length < options.batchSize && chars < MAX_BATCH_BODY_CHARS && pending.length > 0;
    const renderSlice = () => {
      // A time budget, not a count: at saturation the slice still keeps up with arrivals (a fixed 16 per turn fell
      // behind a closed-loop load and the queue overflowed), while no turn blocks the event loop for long.
      const sliceEnd = performance.now() + RENDER_SLICE_MS;
      for (let taken = 0; batchOpen() && (taken === 0 || performance.now() < sliceEnd); taken++) {
        const exchange = pending.shift() as Exchange;
        const size = sizeOf(exchange);
        pendingBytes -= size;
        renderingBytes += size;
        try {
          const fragment = options.renderExchange(exchange);
          if (fragment !== undefined) {
            fragments.push(fragment);
            batch.traces++;
            chars += fragment.length;
          }
        } catch (error) {
          // A recorder bug must cost one trace, never the process or the response.
          metrics.tracesDroppedTotal++;
          metrics.tracesDroppedExportFailed++;
          exportWarning.note('render_error', 1, { error: (error as Error).message });
        }
      }
      if (batchOpen()) {
        setImmediate(renderSlice);
        return;
      }
      renderingBytes = 0;
      rendering = false;
      send(fragments, chars, batch);
      scheduleDrain();
      if (inflight < options.concurrency && batchReady()) drain();
    };
    renderSlice();
  }

  function send(fragments: string[], chars: number, batch: OpenBatch): void {
    if (fragments.length === 0) {
      openBatches.delete(batch);
      notifyIfIdle();
      return;
    }
    inflight++;
    inflightBytes += chars;
    sender
      .send(options.renderBatch(fragments))
      .then((result) => {
        if (batch.abandoned) {
          // Already counted as a shutdown drop at the deadline; if it arrived after all, say so.
          if (result.ok) {
            metrics.tracesDroppedTotal -= fragments.length;
            metrics.tracesDroppedShutdown -= fragments.length;
            metrics.tracesExportedTotal += fragments.length;
          }
          return;
        }
        if (result.ok) {
          metrics.tracesExportedTotal += fragments.length;
          return;
        }
        metrics.tracesDroppedTotal += fragments.length;
        metrics.tracesDroppedExportFailed += fragments.length;
        metrics.exportFailuresTotal++;
        const hint = result.status === 401 || result.status === 403 ? 'Langfuse rejected the keys: check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL' : undefined;
        exportWarning.note(result.reason ?? 'unknown', fragments.length, { status: result.status, attempts: result.attempts, hint });
      })
      .catch((error: Error) => {
        if (batch.abandoned) return;
        metrics.tracesDroppedTotal += fragments.length;
        metrics.tracesDroppedExportFailed += fragments.length;
        exportWarning.note('sender_error', fragments.length, { error: error.message });
      })
      .finally(() => {
        openBatches.delete(batch);
        inflight--;
        inflightBytes -= chars;
        if (batchReady() || flushing) drain();
        else scheduleDrain();
        notifyIfIdle();
      });
  }

  async function flush(deadlineMs: number): Promise<{ abandoned: number }> {
    flushing = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
    scheduleDrain();
    notifyIfIdle();
    let deadlineTimer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      idle.then(() => false),
      new Promise<boolean>((resolve) => {
        deadlineTimer = setTimeout(() => resolve(true), Math.max(0, deadlineMs - Date.now()));
      }),
    ]);
    if (deadlineTimer) clearTimeout(deadlineTimer);
    let abandoned = 0;
    if (expired) {
      sender.abortRetries();
      abandoned = pending.length;
      for (const batch of openBatches) {
        if (batch.abandoned) continue;
        batch.abandoned = true;
        abandoned += batch.traces;
      }
      metrics.tracesDroppedTotal += abandoned;
      metrics.tracesDroppedShutdown += abandoned;
      pending.length = 0;
      pendingBytes = 0;
    }
    flushing = false;
    dropWarning.flush();
    exportWarning.flush();
    return { abandoned };
  }

  return { enqueue, flush };
}
