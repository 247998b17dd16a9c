import http from 'node:http';
import https from 'node:https';
import express, { type Express } from 'express';
import { renderPrometheus, type SidecarMetrics } from '../metrics';

/** The reserved prefix for the sidecar's own endpoints; LiteLLM has no route under it, so nothing is shadowed. */
export const ADMIN_PREFIX = '/_sidecar';

/** Options for createAdminApp. */
export interface AdminAppOptions {
  upstreamUrl: URL;
  metrics: SidecarMetrics;
  tracingEnabled: boolean;
  isShuttingDown: () => boolean;
}

/** Asks LiteLLM's liveliness route (no auth, no model calls) whether it answers. */
function probeUpstream(upstreamUrl: URL, timeoutMs: number): Promise<{ ok: boolean; status?: number; error?: string }> {
  const transport = upstreamUrl.protocol === 'https:' ? https : http;
  const base = upstreamUrl.pathname === '/' ? '' : upstreamUrl.pathname;
  return new Promise((resolve) => {
    const req = transport.get(new URL(`${base}/health/liveliness`, upstreamUrl), { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ ok: (res.statusCode ?? 500) < 400, status: res.statusCode });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.message }));
  });
}

/** Creates the Express app for /_sidecar/health (liveness), /_sidecar/ready (LiteLLM answers) and /_sidecar/metrics. */
export function createAdminApp(options: AdminAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get(`${ADMIN_PREFIX}/health`, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(`${ADMIN_PREFIX}/ready`, async (_req, res) => {
    if (options.isShuttingDown()) {
      res.status(503).json({ status: 'shutting_down' });
      return;
    }
    const upstream = await probeUpstream(options.upstreamUrl, 2000);
    res.status(upstream.ok ? 200 : 503).json({ status: upstream.ok ? 'ready' : 'litellm_unavailable', litellm: upstream, tracing: options.tracingEnabled });
  });
  app.get(`${ADMIN_PREFIX}/metrics`, (_req, res) => {
    res.type('text/plain; version=0.0.4').send(renderPrometheus(options.metrics));
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { message: 'Unknown sidecar endpoint. Available: /_sidecar/health, /_sidecar/ready, /_sidecar/metrics', type: 'not_found', param: null, code: 'not_found' } });
  });
  return app;
}
