import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ADMIN_PREFIX, createAdminApp } from './admin/create-admin-app';
import { createKeyAttribution } from './attribution/key-attribution';
import { createKeyInfoClient } from './attribution/key-info-client';
import type { Config } from './config';
import { createTracing } from './export/create-tracing';
import { createMetrics, type SidecarMetrics } from './metrics';
import { createForwardHandler } from './proxy/forward-request';
import { createUpgradeHandler } from './proxy/forward-upgrade';
import { createTraceSampler } from './trace/sample-trace';

/** What a shutdown left undone, for the last log line. */
export interface ShutdownReport {
  abandonedRequests: number;
  abandonedTraces: number;
}

/** A running (or ready to run) sidecar. */
export interface Sidecar {
  server: Server;
  metrics: SidecarMetrics;
  listen: () => Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish and flushes traces, all within the grace period. */
  shutdown: (graceMs?: number) => Promise<ShutdownReport>;
}

/** Options for createSidecar. */
export interface SidecarOptions {
  config: Config;
  logger: Logger;
}

const isAdminPath = (url: string | undefined): boolean =>
  url !== undefined && url.startsWith(ADMIN_PREFIX) && (url.length === ADMIN_PREFIX.length || url[ADMIN_PREFIX.length] === '/' || url[ADMIN_PREFIX.length] === '?');

/**
 * Creates the sidecar: one node:http server that sends /_sidecar/* to the Express admin app and
 * everything else straight to the forwarder, so no framework sits on the proxied path.
 */
export function createSidecar({ config, logger }: SidecarOptions): Sidecar {
  const metrics = createMetrics();
  // Without Langfuse there is nothing to attribute; without a master key nothing is ever asked of LiteLLM.
  const keyAttribution =
    config.langfuse && config.attribution
      ? createKeyAttribution({
          client: createKeyInfoClient({ upstreamUrl: config.upstreamUrl, masterKey: config.attribution.masterKey, timeoutMs: 2000 }),
          ttlMs: config.attribution.ttlMs,
          masterKey: config.attribution.masterKey,
          metrics,
          logger,
        })
      : undefined;
  const tracing = createTracing(config, metrics, logger, keyAttribution);
  let shuttingDown = false;
  let cuttingConnections = false;
  const forward = createForwardHandler({
    upstreamUrl: config.upstreamUrl,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    upstreamIdleTimeoutMs: config.upstreamIdleTimeoutMs,
    resendOnReset: config.resendOnReset,
    resendMaxBodyBytes: config.resendMaxBodyBytes,
    captureMaxBytes: config.captureMaxBytes,
    tracingEnabled: tracing.enabled,
    traceAllRoutes: config.traceAllRoutes,
    logger,
    metrics,
    recordExchange: tracing.record,
    noteApiKey: keyAttribution?.noteRequest,
    sampleTrace: config.langfuse && config.langfuse.sampleRate < 1 ? createTraceSampler(config.langfuse.sampleRate) : undefined,
    isCuttingConnections: () => cuttingConnections,
  });
  const admin = createAdminApp({ upstreamUrl: config.upstreamUrl, metrics, tracingEnabled: tracing.enabled, isShuttingDown: () => shuttingDown });

  // requestTimeout 0: an LLM call or a large upload may legitimately take minutes; headersTimeout still guards against slowloris.
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 }, (req, res) => {
    if (shuttingDown) res.setHeader('connection', 'close');
    if (isAdminPath(req.url)) admin(req, res);
    else forward(req, res);
  });
  server.on('upgrade', createUpgradeHandler(config.upstreamUrl, logger));
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Malformed or smuggling-shaped requests are refused by Node's parser (llhttp) before reaching us; answer and close.
    // Headers past --max-http-header-size get 431 (RFC 6585 §5), so the client knows which limit it hit.
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
    logger.debug({ code: error.code }, 'rejected a malformed request');
  });

  const listen = () =>
    new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });

  async function shutdown(graceMs = config.shutdownGraceMs): Promise<ShutdownReport> {
    shuttingDown = true;
    const deadline = Date.now() + graceMs;
    // Leave the tail of the grace period to the trace flush, so finished calls still reach Langfuse.
    const requestDeadline = deadline - Math.min(5000, graceMs / 2);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    while (metrics.requestsInFlight > 0 && Date.now() < requestDeadline) {
      server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const abandonedRequests = metrics.requestsInFlight;
    cuttingConnections = true;
    server.closeAllConnections();
    await closed;
    // The cut requests' 'close' handlers run on later turns; without this wait the flush saw an empty queue,
    // the process exited, and the calls cut by the grace period were neither logged nor traced.
    while (metrics.requestsInFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const { abandoned } = await tracing.flush(deadline);
    tracing.close();
    keyAttribution?.close();
    return { abandonedRequests, abandonedTraces: abandoned };
  }

  return { server, metrics, listen, shutdown };
}
