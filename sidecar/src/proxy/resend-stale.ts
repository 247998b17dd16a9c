import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Decides when a request that failed on a reused upstream connection may be sent once more on a fresh one.
 *
 * The failure this covers: LiteLLM closed a pooled connection (its keep-alive timeout, or a worker recycled by
 * `--max_requests_before_restart` closing its idle connections) while the sidecar was writing the next request
 * to it. Node documents the pattern under `request.reusedSocket`: the request never reached the application,
 * so it is safe to send again. It is only safe when nothing came back at all, so a resend needs every one of:
 * a reused connection, a reset (ECONNRESET, EPIPE) rather than a timeout, not one response byte read on this
 * attempt, the whole request body still held, no resend before, and a client still waiting.
 *
 * For comparison: nginx never resends a POST once it was sent unless `proxy_next_upstream non_idempotent`;
 * Envoy resends only with a `retry_on` policy (`reset-before-request` for exactly this case); undici avoids
 * the window with its idle timeout and retries only idempotent methods. A sidecar in front of one LiteLLM
 * can do better than a blind pass: the README's "Stale connections" section gives the trade-off.
 */

/** The request body kept, by reference, until LiteLLM's response head arrives, so it can be sent again. */
export interface HeldBody {
  readonly maxBytes: number;
  chunks: Buffer[];
  bytes: number;
  /** The body outgrew `maxBytes` (or the response began): nothing is held and no resend is possible. */
  released: boolean;
}

/** What the forwarder knows of one attempt to send the request upstream. */
export interface UpstreamAttempt {
  request: ClientRequest;
  socket?: Socket;
  /** Bytes the socket had read when this attempt got it: a later count above it means a response byte came. */
  bytesReadAtStart: number;
  reused: boolean;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** Creates an empty held body that keeps at most `maxBytes`. */
export function createHeldBody(maxBytes: number): HeldBody {
  return { maxBytes, chunks: [], bytes: 0, released: false };
}

/** Keeps a reference to one request chunk (no copy); past the cap, lets everything go. */
export function holdChunk(held: HeldBody, chunk: Buffer): void {
  if (held.released) return;
  held.bytes += chunk.length;
  if (held.bytes > held.maxBytes) {
    releaseHeldBody(held);
    return;
  }
  held.chunks.push(chunk);
}

/** Drops the held chunks: once the response has begun a resend is never possible. */
export function releaseHeldBody(held: HeldBody): void {
  held.released = true;
  held.chunks = [];
}

/** Starts tracking one attempt: which socket it got and how much that socket had read before. */
export function trackAttempt(request: ClientRequest): UpstreamAttempt {
  const attempt: UpstreamAttempt = { request, bytesReadAtStart: 0, reused: false };
  request.once('socket', (socket: Socket) => {
    attempt.socket = socket;
    attempt.reused = request.reusedSocket;
    attempt.bytesReadAtStart = socket.bytesRead;
  });
  return attempt;
}

/** Facts about the call besides the failed attempt, for shouldResend. */
export interface ResendContext {
  enabled: boolean;
  held: HeldBody | undefined;
  alreadyResent: boolean;
  clientGone: boolean;
}

/** True when the failed attempt may be sent once more on a fresh connection (the rules above). */
export function shouldResend(attempt: UpstreamAttempt, error: Error, context: ResendContext): boolean {
  if (!context.enabled || context.alreadyResent || context.clientGone) return false;
  if (!context.held || context.held.released) return false;
  if (!attempt.reused || !RESET_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return false;
  return attempt.socket !== undefined && attempt.socket.bytesRead === attempt.bytesReadAtStart;
}
