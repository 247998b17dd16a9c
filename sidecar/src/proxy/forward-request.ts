import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { createAccessLogger } from '../logger';
import { captureChunk, createBodyCapture, startTiming } from '../capture/capture-body';
import { stripQuery } from '../http-values';
import { classifyRoute } from '../interpret';
import { observeRequest, type SidecarMetrics } from '../metrics';
import type { Exchange } from '../trace/exchange';
import { decideTraceEarly } from '../trace/read-trace-context';
import { createRandomSpanId, createRandomTraceId } from '../trace/trace-ids';
import { buildClientResponseHeaders, buildUpstreamRequestHeaders } from './forward-headers';
import { logRequest } from './log-request';
import { createHeldBody, holdChunk, releaseHeldBody, SECOND_RESEND_DELAY_MS, shouldResend, stampFreedSockets } from './resend-on-reset';
import { createUpstreamAgent } from './upstream-agent';
import { UpstreamTimeoutError, classifyUpstreamError, describeCause, renderUpstreamErrorBody } from './upstream-errors';

/** The response header that tells the client which Langfuse trace recorded its call. */
export const TRACE_ID_HEADER = 'x-langfuse-trace-id';

/** Options for createForwardHandler. */
export interface ForwardOptions {
  upstreamUrl: URL;
  upstreamTimeoutMs: number;
  /** Idle pooled connections to LiteLLM are closed after this long (below LiteLLM's keep-alive timeout). */
  upstreamIdleTimeoutMs: number;
  /** Resend once on a fresh connection when LiteLLM reset the connection before any response byte (resend-on-reset.ts). */
  resendOnReset: boolean;
  /** Request bodies up to this size are held until the response head, so they can be resent. */
  resendMaxBodyBytes: number;
  captureMaxBytes: number;
  /** False when Langfuse is not configured: forward only, capture nothing. */
  tracingEnabled: boolean;
  traceAllRoutes: boolean;
  logger: Logger;
  metrics: SidecarMetrics;
  /** True once shutdown has given up on in-flight calls and is closing their connections. */
  isCuttingConnections?: () => boolean;
  /** Key attribution: hashes the call's key and starts a lookup if needed, never waiting (attribution/key-attribution.ts). */
  noteApiKey?: (headers: IncomingMessage['headers']) => string | undefined;
  /** LANGFUSE_SAMPLE_RATE's decision for a trace id (trace/sample-trace.ts); absent keeps every call. */
  sampleTrace?: (traceId: string) => boolean;
  /** Receives each finished exchange; must return at once (the export queue only enqueues). */
  recordExchange: (exchange: Exchange) => void;
}

const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * A request target in absolute form (`GET http://host/path`, RFC 9112 §3.2.2) is what a client sends to a
 * forward proxy; the sidecar is a reverse proxy to one fixed upstream, so only its path and query count.
 */
function toOriginForm(target: string): string {
  if (target.startsWith('/')) return target;
  if (!/^https?:\/\//i.test(target)) return target;
  try {
    const parsed = new URL(target);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return target;
  }
}

const STREAM_TERMINATORS = ['data: [DONE]', 'message_stop', 'response.completed'].map((marker) => Buffer.from(marker));

/** True when the last chunk relayed carries an SSE stream terminator (OpenAI `[DONE]`, Anthropic and Responses API end events). */
const endsStream = (chunk: Buffer | undefined): boolean => chunk !== undefined && STREAM_TERMINATORS.some((marker) => chunk.includes(marker));

/**
 * Creates the proxy handler: a fixed sequence of small passes over node:http (no body parser, no
 * framework on this path): open the upstream request, tee the request body into it, relay the
 * response chunk by chunk while teeing it, map failures through the error table, and hand the
 * finished exchange to the recorder.
 */
export function createForwardHandler(options: ForwardOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { upstreamUrl, metrics } = options;
  const accessLogger = createAccessLogger(options.logger);
  const isHttps = upstreamUrl.protocol === 'https:';
  const transport = isHttps ? https : http;
  const agent = createUpstreamAgent({ protocol: upstreamUrl.protocol, idleTimeoutMs: options.upstreamIdleTimeoutMs });
  if (options.resendOnReset) stampFreedSockets(agent);
  const upstreamHost = upstreamUrl.host;
  const basePath = upstreamUrl.pathname === '/' ? '' : upstreamUrl.pathname;

  return function forwardRequest(req, res) {
    metrics.requestsTotal++;
    metrics.requestsInFlight++;
    const startMs = nowMs();
    const url = toOriginForm(req.url ?? '/');
    const method = req.method ?? 'GET';
    const route = options.tracingEnabled ? classifyRoute(method, stripQuery(url)) : undefined;
    const traced = options.tracingEnabled && (route !== undefined || options.traceAllRoutes);
    const captureMax = traced ? options.captureMaxBytes : 0;
    const exchange: Exchange = {
      traceId: '',
      spanId: '',
      method,
      url,
      route,
      startMs,
      endMs: 0,
      requestHeaders: req.headers,
      request: createBodyCapture(captureMax),
      response: createBodyCapture(captureMax),
      clientAborted: false,
    };
    // Started now, so the answer is usually back when the trace is encoded, after the call.
    if (traced && options.noteApiKey) exchange.apiKeyHash = options.noteApiKey(req.headers);
    let noLog = false;
    let resends = 0;
    let lastChunk: Buffer | undefined;
    let finished = false;
    let bodyEnded = false;
    const upstreamHeaders = buildUpstreamRequestHeaders(req, upstreamHost);
    const held = options.resendOnReset ? createHeldBody(options.resendMaxBodyBytes) : undefined;
    let upstreamReq = sendUpstream(agent);

    // Pass: tee the request body into the upstream request, honouring backpressure.
    req.on('data', (chunk: Buffer) => {
      if (traced) captureChunk(exchange.request, chunk);
      if (held) holdChunk(held, chunk);
      if (!upstreamReq.write(chunk)) req.pause();
    });
    req.on('end', () => {
      bodyEnded = true;
      upstreamReq.end();
    });
    req.on('error', () => upstreamReq.destroy());

    /** Opens one attempt upstream: the pooled agent first, a one-off connection (`agent: false`) for a resend. */
    function sendUpstream(via: http.Agent | false): ClientRequest {
      const request = transport.request({
        protocol: upstreamUrl.protocol,
        hostname: upstreamUrl.hostname,
        port: upstreamUrl.port || (isHttps ? 443 : 80),
        method,
        path: basePath + url,
        headers: upstreamHeaders,
        agent: via,
      });
      request.setTimeout(options.upstreamTimeoutMs, () => request.destroy(new UpstreamTimeoutError(options.upstreamTimeoutMs)));
      request.on('drain', () => req.resume());
      request.on('response', (upstreamRes) => relayResponse(upstreamRes));
      request.on('error', (error) => failUpstream(request, error));
      return request;
    }

    /** Pass: send the held body again on a fresh connection, then go on with whatever the client still sends. */
    function resendOnFreshConnection(failed: ClientRequest, cause: Error): void {
      const why = `${describeCause(cause)} (on a ${failed.reusedSocket ? 'reused' : 'new'} connection)`;
      exchange.upstreamResend = exchange.upstreamResend ? `${exchange.upstreamResend}; then ${why}` : why;
      resends++;
      metrics.upstreamResendsTotal++;
      if (resends > 1) {
        // The second: after a pause, so a recycled worker has been replaced (resend-on-reset.ts).
        const timer = setTimeout(() => {
          if (!finished && !res.destroyed) sendHeldBody();
        }, SECOND_RESEND_DELAY_MS);
        res.once('close', () => clearTimeout(timer));
        return;
      }
      sendHeldBody();
    }

    function sendHeldBody(): void {
      upstreamReq = sendUpstream(false);
      let flowing = true;
      for (const chunk of held?.chunks ?? []) flowing = upstreamReq.write(chunk);
      if (bodyEnded) upstreamReq.end();
      else if (flowing) req.resume();
    }

    /** Pass: relay the response head, adding the trace id header for traced calls. */
    function relayResponse(upstreamRes: IncomingMessage): void {
      if (held) releaseHeldBody(held);
      exchange.responseStartMs = nowMs();
      exchange.status = upstreamRes.statusCode;
      exchange.responseHeaders = upstreamRes.headers;
      let extra: string[] | undefined;
      if (traced) {
        decideTrace();
        if (!noLog) extra = [TRACE_ID_HEADER, exchange.traceId];
      }
      // A call that will not be traced (no-log, sampled out) keeps no reference to its response body.
      const captured = traced && !noLog;
      if (res.destroyed) {
        upstreamRes.destroy();
        return;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, buildClientResponseHeaders(upstreamRes.rawHeaders, extra));
      // Event streams go out at once, as LiteLLM sends them: the first byte must not wait for the sidecar.
      const eventStream = String(upstreamRes.headers['content-type'] ?? '').startsWith('text/event-stream');
      if (eventStream) res.flushHeaders();
      // Arrival times serve time to first token, which only a stream has.
      const timed = captured && eventStream;
      if (timed) startTiming(exchange.response);

      // Pass: relay the body chunk by chunk, teeing it (with its arrival time, for a stream).
      upstreamRes.on('data', (chunk: Buffer) => {
        lastChunk = chunk;
        if (captured) captureChunk(exchange.response, chunk, timed ? nowMs() : undefined);
        if (!res.write(chunk)) {
          upstreamRes.pause();
          res.once('drain', () => upstreamRes.resume());
        }
      });
      upstreamRes.on('end', () => res.end());
      upstreamRes.on('error', (error) => breakMidResponse(error));
      upstreamRes.on('aborted', () => breakMidResponse(new Error('LiteLLM closed the connection mid-response')));
    }

    /** Pass: a failed attempt is resent once when that is safe (resend-on-reset.ts), else mapped through the error table. */
    function failUpstream(failed: ClientRequest, error: Error): void {
      // After the client left, this is our own destroy() of the upstream request: not LiteLLM's failure.
      if (finished || failed !== upstreamReq) return;
      if (!res.headersSent && shouldResend(failed, error, { held, resends, clientGone: res.destroyed })) {
        resendOnFreshConnection(failed, error);
        return;
      }
      if (res.headersSent) {
        breakMidResponse(error);
        return;
      }
      const failure = classifyUpstreamError(error);
      exchange.failure = failure;
      metrics.upstreamErrorsTotal++;
      metrics.upstreamFailures[failure.code]++;
      decideTrace();
      if (res.destroyed) return;
      const body = renderUpstreamErrorBody(failure);
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      if (traced && !noLog) headers[TRACE_ID_HEADER] = exchange.traceId;
      res.writeHead(failure.status, headers);
      res.end(body);
    }

    /** After the head went out an HTTP status can no longer change: end an event stream with an error event, cut anything else. */
    function breakMidResponse(error: Error): void {
      // `finished`: the client left first and we destroyed the upstream response ourselves.
      if (finished || exchange.brokenMidResponse || res.writableEnded) return;
      exchange.brokenMidResponse = describeCause(error);
      metrics.upstreamErrorsTotal++;
      metrics.upstreamFailures.broke_mid_response++;
      const contentType = String(exchange.responseHeaders?.['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream') && !res.destroyed) {
        // The same shape LiteLLM uses for an error after a stream started, so SDKs raise it as an API error.
        const failure = classifyUpstreamError(error);
        res.end(`data: ${renderUpstreamErrorBody(failure)}\n\n`);
      } else {
        res.destroy(error);
      }
    }

    // Pass: finish. 'close' fires once for every request, whether it completed or the client left.
    res.on('close', () => {
      if (finished) return;
      finished = true;
      metrics.requestsInFlight--;
      exchange.endMs = nowMs();
      // Without tracing the route was not classified on the way in; the duration metric still wants its family.
      observeRequest(metrics, route ?? (options.tracingEnabled ? undefined : classifyRoute(method, stripQuery(url))), (exchange.endMs - startMs) / 1000);
      if (!res.writableFinished) {
        exchange.cutAtShutdown = options.isCuttingConnections?.() === true;
        // A client that closes right after the stream's terminator (the Python openai client does, on every stream)
        // completed its call: only a close before it counts as an abort.
        exchange.clientAborted = !exchange.brokenMidResponse && !exchange.failure && !exchange.cutAtShutdown && !endsStream(lastChunk);
        if (exchange.clientAborted) metrics.clientAbortsTotal++;
        upstreamReq.destroy();
      }
      // A client that left before LiteLLM answered still gets its trace, under the id (and no-log) its request asked for.
      decideTrace();
      logRequest(accessLogger, exchange, res.statusCode);
      // A redirect (LiteLLM's web framework answers a trailing-slash path with 307) is not an LLM call.
      const redirected = exchange.status !== undefined && exchange.status >= 300 && exchange.status < 400;
      if (traced && !noLog && !redirected) options.recordExchange(exchange);
    });

    /** Fixes the trace id (client-chosen or random) and the no-log flag once, from the headers and the request body. */
    function decideTrace(): void {
      if (!traced || exchange.traceId) return;
      const early = decideTraceEarly(req.headers, exchange.request);
      noLog = early.noLog;
      exchange.requestJson = early.json;
      exchange.traceId = early.traceId ?? createRandomTraceId();
      exchange.spanId = createRandomSpanId();
      if (early.callerSpan) exchange.callerSpan = early.callerSpan;
      if (early.requestProject) exchange.requestProject = early.requestProject;
      // Sampled out: as no-log, with no x-langfuse-trace-id either (it would name a trace that never arrives).
      if (!noLog && options.sampleTrace && !options.sampleTrace(exchange.traceId)) {
        noLog = true;
        options.metrics.tracesSampledOutTotal++;
      }
    }
  };
}
