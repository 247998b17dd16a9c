import 'dotenv/config';
import { ConfigError, loadConfig, maskUrlCredentials, type Config } from './config';
import { createLogger } from './logger';
import { totalOf } from './metrics';
import { createSidecar } from './sidecar';

/** Entry point: parse config once, start listening, drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  if (!config.langfuse) {
    logger.warn('LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are not set: proxying without tracing');
  }
  const sidecar = createSidecar({ config, logger });
  const address = await sidecar.listen();
  logger.info(
    {
      host: address.address,
      port: address.port,
      upstream: config.upstreamUrl.origin,
      langfuse: config.langfuse ? maskUrlCredentials(config.langfuse.baseUrl) : null,
      keyAttribution: config.langfuse !== undefined && config.attribution !== undefined,
      sampleRate: config.langfuse?.sampleRate,
    },
    'listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal, requestsInFlight: sidecar.metrics.requestsInFlight, tracesQueued: sidecar.metrics.queueLength() }, 'second signal: exiting now, abandoning in-flight requests and queued traces');
      logger.flush();
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: draining requests and traces');
    sidecar
      .shutdown()
      .then((report) => {
        const level = report.abandonedRequests > 0 || report.abandonedTraces > 0 ? 'warn' : 'info';
        logger[level]({ ...report, tracesExported: totalOf(sidecar.metrics, 'tracesExportedTotal'), tracesDropped: totalOf(sidecar.metrics, 'tracesDroppedTotal') + sidecar.metrics.tracesDroppedProjectRefused }, 'stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((error: Error) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A bug in a callback must not take every in-flight call down with it: log it and keep serving.
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}

void main();
