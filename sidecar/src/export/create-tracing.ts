import type { Logger } from 'pino';
import type { KeyAttributionService } from '../attribution/key-attribution';
import type { Config } from '../config';
import type { SidecarMetrics } from '../metrics';
import type { Exchange } from '../trace/exchange';
import { SIDECAR_VERSION } from '../version';
import { createExchangeRecorder } from '../trace/record-exchange';
import { createExportQueue } from './export-queue';
import { createOtlpBatchEncoder } from './otlp-batch';
import { appendSpan } from './otlp-proto';
import { createOtlpSender } from './send-otlp';

/** The tracing side of the sidecar: record → queue → encode → send. */
export interface Tracing {
  enabled: boolean;
  /** Hands a finished exchange over; O(1), never throws. */
  record: (exchange: Exchange) => void;
  /** Exports what is queued until the deadline; says how many traces were abandoned. */
  flush: (deadlineMs: number) => Promise<{ abandoned: number }>;
  close: () => void;
}


/** Creates tracing from config, or a no-op when Langfuse keys are not set (the sidecar then only proxies). */
export function createTracing(config: Config, metrics: SidecarMetrics, logger: Logger, keyAttribution?: KeyAttributionService): Tracing {
  const langfuse = config.langfuse;
  if (!langfuse) {
    return { enabled: false, record: () => undefined, flush: async () => ({ abandoned: 0 }), close: () => undefined };
  }
  const recordExchange = createExchangeRecorder({
    environment: langfuse.environment,
    release: langfuse.release,
    redactMessages: config.redactMessages,
    captureMaxBytes: config.captureMaxBytes,
    readKeyAttribution: keyAttribution?.read,
    attributionTags: config.attribution?.defaultTags,
  });
  const sender = createOtlpSender({
    baseUrl: langfuse.baseUrl,
    publicKey: langfuse.publicKey,
    secretKey: langfuse.secretKey,
    timeoutMs: config.export.timeoutMs,
    onAttempt: () => {
      metrics.exportRequestsTotal++;
    },
  });
  const encoder = createOtlpBatchEncoder({ serviceName: 'litellm-langfuse-sidecar', sdkVersion: SIDECAR_VERSION, publicKey: langfuse.publicKey });
  const queue = createExportQueue({
    ...config.export,
    encodeExchange: (exchange, batch) => {
      appendSpan(batch, recordExchange(exchange));
      return true;
    },
    createBatch: encoder.createBatch,
    finishBatch: encoder.finishBatch,
    releaseBatch: encoder.releaseBatch,
    sender,
    metrics,
    logger,
  });
  return {
    enabled: true,
    record: (exchange) => {
      try {
        queue.enqueue(exchange);
      } catch (error) {
        logger.error({ err: error }, 'could not queue a trace');
      }
    },
    flush: (deadlineMs) => queue.flush(deadlineMs),
    close: () => sender.close(),
  };
}
