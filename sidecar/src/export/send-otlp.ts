import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { SIDECAR_VERSION } from '../version';

/** How one export attempt ended. */
export interface SendResult {
  ok: boolean;
  status?: number;
  /** Short reason for logs: HTTP status text or the network error code; never the body we sent. */
  reason?: string;
  attempts: number;
}

/** Sends encoded batches to Langfuse. */
export interface OtlpSender {
  send: (body: Buffer) => Promise<SendResult>;
  /** On shutdown: stop waiting between retries; the attempt under way still gets its answer. */
  abortRetries: () => void;
  /** Closes the keep-alive sockets. */
  close: () => void;
}

/** Options for createOtlpSender. */
export interface OtlpSenderOptions {
  /** The OTLP/HTTP traces URL: Langfuse's `{baseUrl}/api/public/otel/v1/traces`, or a Collector's. */
  url: string;
  /** Langfuse's keys, sent as Basic auth; absent when a Collector in between adds them. */
  publicKey?: string;
  secretKey?: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: sent as given, winning over the sidecar's own (not over the body's framing). */
  headers?: Record<string, string>;
  /** OTLP's `Content-Encoding: gzip` (OTEL_EXPORTER_OTLP_COMPRESSION), which Langfuse and the Collector accept. */
  compression?: 'gzip' | 'none';
  /** Total time one batch may take, retries included. */
  timeoutMs: number;
  /** Called before each HTTP attempt (metrics). */
  onAttempt?: () => void;
}

// The OTLP/HTTP spec's retryable statuses; the official exporter retries the same set and not 500.
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
// Level 1: most of gzip's saving on repetitive OTLP at a fraction of level 6's CPU (the bench's gzip rows).
const gzipAsync = promisify(gzip);
const GZIP_LEVEL = 1;
const MAX_BACKOFF_MS = 5000;
// Room kept before the deadline for a last attempt: a request to a Langfuse that is back answers well within it.
const LAST_ATTEMPT_MS = 250;

const sleep = (ms: number, signal: { aborted: boolean }) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    setTimeout(resolve, ms).unref();
  });

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in milliseconds. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Creates the sender for an OTLP/HTTP traces URL (Langfuse's `{baseUrl}/api/public/otel/v1/traces`, or a
 * Collector's), authenticated as the Langfuse JS SDK does
 * (@langfuse/otel LangfuseSpanProcessor), labelled as what it is. It retries network errors and
 * 429/502/503/504 with jittered backoff within the timeout, and never rejects.
 */
export function createOtlpSender(options: OtlpSenderOptions): OtlpSender {
  const url = new URL(options.url);
  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 8 });
  const auth: Record<string, string> =
    options.publicKey && options.secretKey
      ? { authorization: `Basic ${Buffer.from(`${options.publicKey}:${options.secretKey}`).toString('base64')}`, 'x-langfuse-public-key': options.publicKey }
      : {};
  const gzipped = options.compression === 'gzip';
  const shutdown = { aborted: false };

  function attempt(body: Buffer, timeoutMs: number): Promise<{ status?: number; retryAfterMs?: number; reason?: string }> {
    return new Promise((resolve) => {
      const req = transport.request(url, {
        method: 'POST',
        agent,
        headers: {
          ...auth,
          // Langfuse v4 writes a batch straight to its events table when this header is 4, or when the SDK headers
          // name the JS SDK >= 5 or the Python SDK >= 4 (web/src/pages/api/public/otel/v1/traces, the OTel ingestion
          // worker); otherwise, in deployments dual-writing during a v3 -> v4 upgrade, data can take ~10 minutes to
          // appear. The header alone keeps the direct path, so the SDK headers can say who sent the data.
          'x-langfuse-ingestion-version': '4',
          'x-langfuse-sdk-name': 'litellm-langfuse-sidecar',
          'x-langfuse-sdk-version': SIDECAR_VERSION,
          ...options.headers,
          // OTLP/HTTP binary protobuf (the OTLP default encoding; Langfuse accepts it beside JSON).
          'content-type': 'application/x-protobuf',
          'content-length': body.length,
          ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
        },
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error('export timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
      req.on('response', (res) => {
        // Only the status matters. The body is not read: Langfuse answers JSON even to a protobuf request
        // (langfuse/langfuse#11550), which a strict OTLP client would fail to parse.
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode, retryAfterMs: parseRetryAfter(res.headers['retry-after']), reason: `HTTP ${res.statusCode}` });
        });
        res.on('error', () => {
          clearTimeout(timer);
          resolve({ reason: 'response aborted' });
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ reason: error.code ?? error.message });
      });
      req.end(body);
    });
  }

  async function send(encoded: Buffer): Promise<SendResult> {
    const deadline = Date.now() + options.timeoutMs;
    // Compressed once per batch, on libuv's thread pool, and reused by every retry.
    const body = gzipped ? await gzipAsync(encoded, { level: GZIP_LEVEL }) : encoded;
    let attempts = 0;
    let backoff = 200;
    for (;;) {
      attempts++;
      options.onAttempt?.();
      const remaining = deadline - Date.now();
      const result = await attempt(body, Math.max(1, remaining));
      if (result.status !== undefined && result.status >= 200 && result.status < 300) return { ok: true, status: result.status, attempts };
      const retryable = result.status === undefined || RETRYABLE_STATUS.has(result.status);
      const left = deadline - Date.now();
      if (!retryable || shutdown.aborted || left <= LAST_ATTEMPT_MS) {
        return { ok: false, status: result.status, reason: result.reason, attempts };
      }
      // A wait that would run past the deadline is cut so one last attempt still fits: the batch then survives an
      // outage as long as the timeout itself (the scale-out suite's figure), not the timeout minus a backoff step.
      const wait = Math.min(result.retryAfterMs ?? backoff * (0.5 + Math.random()), MAX_BACKOFF_MS, left - LAST_ATTEMPT_MS);
      await sleep(wait, shutdown);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  return {
    send,
    abortRetries: () => {
      shutdown.aborted = true;
    },
    close: () => agent.destroy(),
  };
}
