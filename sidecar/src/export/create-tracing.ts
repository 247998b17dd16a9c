import type { Logger } from 'pino';
import type { KeyAttributionService } from '../attribution/key-attribution';
import type { Config } from '../config';
import type { SidecarMetrics } from '../metrics';
import { createProjectLanes } from '../projects/project-lanes';
import { createExchangeRouter } from '../projects/route-exchange';
import type { Exchange } from '../trace/exchange';
import { createExchangeRecorder } from '../trace/record-exchange';

/** The tracing side of the sidecar: record → route to the project's lane → queue → encode → send. */
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
  metrics.publicKey = langfuse.publicKey;
  const lanes = createProjectLanes({
    defaultProject: { baseUrl: langfuse.baseUrl, tracesUrl: langfuse.tracesUrl, publicKey: langfuse.publicKey, secretKey: langfuse.secretKey, headers: langfuse.headers },
    compression: langfuse.compression,
    namedProjects: config.projects?.projects ?? [],
    requestProjects: config.requestProjects,
    exportOptions: config.export,
    recordExchange,
    metrics,
    logger,
  });
  const router = createExchangeRouter({ lanes, routes: config.projects?.routes ?? [], requestProjects: config.requestProjects.enabled, keyAttribution, metrics, logger });
  return {
    enabled: true,
    record: (exchange) => {
      try {
        router.route(exchange);
      } catch (error) {
        logger.error({ err: error }, 'could not queue a trace');
      }
    },
    flush: (deadlineMs) => {
      router.drain();
      return lanes.flush(deadlineMs);
    },
    close: () => lanes.close(),
  };
}
