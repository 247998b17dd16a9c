import type { Logger } from 'pino';
import type { ExportOptions } from '../config';
import type { SidecarMetrics } from '../metrics';
import type { Exchange } from '../trace/exchange';
import type { ProtoWriter } from './proto-writer';
import { createRateLimitedWarning } from './rate-limited-warning';
import type { OtlpSender } from './send-otlp';

/** Options for createExportQueue. */
export interface ExportQueueOptions extends ExportOptions {
  /** Appends the exchange's span to a batch; false to skip it. On a throw the batch must be left as it was. */
  encodeExchange: (exchange: Exchange, batch: ProtoWriter) => boolean;
  createBatch: () => ProtoWriter;
  /** The request body for a finished batch. */
  finishBatch: (batch: ProtoWriter) => Buffer;
  /** Called once a batch's request is answered (or abandoned): its buffer may be reused. */
  releaseBatch?: (batch: ProtoWriter) => void;
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
const MAX_BATCH_BODY_BYTES = 3 * 1024 * 1024;
// Encoding happens in slices between I/O turns, so a burst never blocks the event loop for long.
const ENCODE_SLICE_MS = 1;
// Past a quarter of either bound the backlog is growing faster than 1 ms slices drain it (a closed-loop
// saturating load, 1 MiB prompts): longer slices then take CPU from forwarding, so calls slow down a little
// instead of their traces being dropped. Still bounded, so health checks and streams keep flowing.
// The same signal lets up to four times SIDECAR_EXPORT_CONCURRENCY requests go out at once: at ~300 MB/s of
// 1 MiB prompts 2 in flight fell behind and the byte bound dropped traces where 8 kept every one (bench,
// 2026-11-29), while 2 keeps small calls cheapest. Adapting needs no tuning for either traffic (issue 15).
const BACKLOG_SLICE_MS = 50;
const BACKLOG_SHARE = 0.25;
const BACKLOG_CONCURRENCY_FACTOR = 4;
// A finished call is encoded a few milliseconds later, not on the very next turn: the client's next request
// on that connection arrives right then, and waited behind the encoding (stream time to first byte +0.5 ms
// in the bench). A few milliseconds is still young for the GC (a scavenge every ~100 ms at saturation).
// Past a few dozen waiting, encoding starts on the next turn.
const ENCODE_DELAY_MS = 5;
const ENCODE_NOW_COUNT = 32;
const EXCHANGE_OVERHEAD_BYTES = 2048;

/** A batch of encoded spans, from its first span until Langfuse answers. */
interface Batch {
  writer: ProtoWriter;
  traces: number;
  /** Counted as abandoned by an expired flush. */
  abandoned: boolean;
}

const sizeOf = (exchange: Exchange): number => exchange.request.capturedBytes + exchange.response.capturedBytes + EXCHANGE_OVERHEAD_BYTES;

/**
 * Creates the queue. Exchanges are encoded into the open batch's buffer on the next turns after they
 * arrive, not when a batch is due: a captured body then lives for a turn instead of a batch interval, so it
 * dies young instead of being promoted and collected by the old-generation GC. A batch is sent when full
 * (by count or by size) or when the interval passes. Memory is bounded twice over: by count (`queueMax`
 * traces not yet sent) and by bytes (`queueMaxBytes` of captured bodies plus encoded batches). When full,
 * new exchanges are dropped and counted, never blocking or slowing a response. Export failures are counted
 * and logged at most twice a minute.
 */
export function createExportQueue(options: ExportQueueOptions): ExportQueue {
  const { metrics, logger, sender } = options;
  const pending: Exchange[] = [];
  let pendingBytes = 0;
  let open: Batch | undefined;
  /** Full batches waiting for a free sender slot (Langfuse slow or down). */
  const sealed: Batch[] = [];
  let sealedBytes = 0;
  let sealedTraces = 0;
  let inflightBytes = 0;
  let inflight = 0;
  // Batches being sent and not yet answered: when a flush runs out of time their traces are abandoned
  // too, and must be counted, or a hanging Langfuse loses them without a word.
  const inflightBatches = new Set<Batch>();
  let encodeSoon = false;
  let encodeTimer: NodeJS.Timeout | undefined;
  let flushing = false;
  let timer: NodeJS.Timeout | undefined;
  const idleWaiters: Array<() => void> = [];
  const dropWarning = createRateLimitedWarning(logger, 'traces dropped');
  const exportWarning = createRateLimitedWarning(logger, 'Langfuse export failed; traces dropped');
  const heldBytes = () => pendingBytes + (open?.writer.pos ?? 0) + sealedBytes + inflightBytes;
  const unsentTraces = () => pending.length + (open?.traces ?? 0) + sealedTraces;
  metrics.queueLength = unsentTraces;
  metrics.queueBytes = heldBytes;

  const notifyIfIdle = () => {
    if (unsentTraces() === 0 && inflight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  function enqueue(exchange: Exchange): void {
    const size = sizeOf(exchange);
    if (unsentTraces() >= options.queueMax || heldBytes() + size > options.queueMaxBytes) {
      metrics.tracesDroppedTotal++;
      metrics.tracesDroppedQueueFull++;
      dropWarning.note('queue_full', 1, { queueLength: unsentTraces(), queueBytes: heldBytes() });
      return;
    }
    pending.push(exchange);
    pendingBytes += size;
    metrics.tracesRecordedTotal++;
    scheduleEncode();
  }

  function scheduleEncode(): void {
    if (pending.length >= ENCODE_NOW_COUNT || flushing) {
      if (encodeSoon) return;
      encodeSoon = true;
      setImmediate(encodeSlice);
    } else if (!encodeTimer && !encodeSoon) {
      encodeTimer = setTimeout(encodeSlice, ENCODE_DELAY_MS);
    }
  }

  /** More than a quarter of either bound is in use: the export is falling behind what arrives. */
  function isBacklogged(): boolean {
    return unsentTraces() > options.queueMax * BACKLOG_SHARE || heldBytes() > options.queueMaxBytes * BACKLOG_SHARE;
  }

  function encodeSlice(): void {
    encodeSoon = false;
    if (encodeTimer) clearTimeout(encodeTimer);
    encodeTimer = undefined;
    // A time budget, not a count: at saturation a slice keeps up with arrivals, and no turn blocks for long.
    const sliceEnd = performance.now() + (isBacklogged() ? BACKLOG_SLICE_MS : ENCODE_SLICE_MS);
    for (let taken = 0; pending.length > 0 && (taken === 0 || performance.now() < sliceEnd); taken++) {
      const exchange = pending.shift() as Exchange;
      pendingBytes -= sizeOf(exchange);
      open ??= { writer: options.createBatch(), traces: 0, abandoned: false };
      try {
        if (options.encodeExchange(exchange, open.writer)) open.traces++;
      } catch (error) {
        // A recorder bug must cost one trace, never the process or the response.
        metrics.tracesDroppedTotal++;
        metrics.tracesDroppedExportFailed++;
        exportWarning.note('render_error', 1, { error: (error as Error).message });
      }
      if (open.traces >= options.batchSize || open.writer.pos >= MAX_BATCH_BODY_BYTES) seal();
    }
    if (pending.length > 0) scheduleEncode();
    else if (flushing) seal();
    sendSealed();
    if (open && open.traces > 0 && !timer) {
      // A partial batch waits for the interval, so light traffic still batches.
      timer = setTimeout(() => {
        timer = undefined;
        seal();
        sendSealed();
      }, options.intervalMs);
      timer.unref();
    }
    notifyIfIdle();
  }

  function seal(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!open || open.traces === 0) return;
    sealed.push(open);
    sealedBytes += open.writer.pos;
    sealedTraces += open.traces;
    open = undefined;
  }

  function sendSealed(): void {
    const allowed = isBacklogged() ? options.concurrency * BACKLOG_CONCURRENCY_FACTOR : options.concurrency;
    while (inflight < allowed && sealed.length > 0) {
      const batch = sealed.shift() as Batch;
      sealedBytes -= batch.writer.pos;
      sealedTraces -= batch.traces;
      send(batch);
    }
  }

  function send(batch: Batch): void {
    const bytes = batch.writer.pos;
    const traces = batch.traces;
    inflight++;
    inflightBytes += bytes;
    inflightBatches.add(batch);
    const sentAt = performance.now();
    sender
      .send(options.finishBatch(batch.writer))
      .then((result) => {
        metrics.exportDuration.observe((performance.now() - sentAt) / 1000);
        if (batch.abandoned) {
          // Already counted as a shutdown drop at the deadline; if it arrived after all, say so.
          if (result.ok) {
            metrics.tracesDroppedTotal -= traces;
            metrics.tracesDroppedShutdown -= traces;
            metrics.tracesExportedTotal += traces;
          }
          return;
        }
        if (result.ok) {
          metrics.tracesExportedTotal += traces;
          return;
        }
        metrics.tracesDroppedTotal += traces;
        metrics.tracesDroppedExportFailed += traces;
        metrics.exportFailuresTotal++;
        const hint = result.status === 401 || result.status === 403 ? 'Langfuse rejected the keys: check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL' : undefined;
        exportWarning.note(result.reason ?? 'unknown', traces, { status: result.status, attempts: result.attempts, hint });
      })
      .catch((error: Error) => {
        if (batch.abandoned) return;
        metrics.tracesDroppedTotal += traces;
        metrics.tracesDroppedExportFailed += traces;
        exportWarning.note('sender_error', traces, { error: error.message });
      })
      .finally(() => {
        // An abandoned batch may still be on the wire: only an answered one gives its buffer back.
        if (!batch.abandoned) options.releaseBatch?.(batch.writer);
        inflightBatches.delete(batch);
        inflight--;
        inflightBytes -= bytes;
        if (flushing && pending.length === 0) seal();
        sendSealed();
        notifyIfIdle();
      });
  }

  async function flush(deadlineMs: number): Promise<{ abandoned: number }> {
    flushing = true;
    const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
    if (pending.length > 0) scheduleEncode();
    else {
      seal();
      sendSealed();
    }
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
      abandoned = unsentTraces();
      for (const batch of inflightBatches) {
        if (batch.abandoned) continue;
        batch.abandoned = true;
        abandoned += batch.traces;
      }
      metrics.tracesDroppedTotal += abandoned;
      metrics.tracesDroppedShutdown += abandoned;
      pending.length = 0;
      pendingBytes = 0;
      open = undefined;
      sealed.length = 0;
      sealedBytes = 0;
      sealedTraces = 0;
    }
    flushing = false;
    dropWarning.flush();
    exportWarning.flush();
    return { abandoned };
  }

  return { enqueue, flush };
}
