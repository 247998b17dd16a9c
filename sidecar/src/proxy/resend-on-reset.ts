import type { Agent, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Decides when a request whose upstream connection was reset before LiteLLM answered may be sent again, on a
 * fresh connection (at most twice).
 *
 * The failures this covers, both measured against LiteLLM 1.110.2 (docs/e2e.md): LiteLLM closed a pooled
 * connection at its keep-alive timeout while the sidecar was writing the next request to it (Node documents the
 * resend under `request.reusedSocket`); and a worker recycled by `--max_requests_before_restart` closed every
 * connection on which no request had started, including ones it had just accepted (uvicorn keeps accepting for
 * up to one 100 ms tick after the limit, then `shutdown()` closes each idle or unread connection). In both the
 * request never reached LiteLLM's application code.
 *
 * A resend needs every one of: a reset (ECONNRESET, EPIPE) rather than a timeout or a refusal, not one response
 * byte read on this attempt, the whole request body still held, fewer than two resends before, and a client still
 * waiting.
 * What it cannot rule out: a LiteLLM worker that crashed in the middle of the call, on a connection where it had
 * written nothing yet; then the call runs twice. The official OpenAI and Anthropic SDKs already resend these
 * very failures (connection errors and 502, two retries by default), so the sidecar resending up to twice, sooner,
 * adds no risk a client was not taking, and the trace's `upstream_resend` shows it.
 *
 * For comparison: nginx never resends a POST once sent unless `proxy_next_upstream non_idempotent`; Envoy
 * resends only with a `retry_on` policy (`reset-before-request` for the idle race); undici avoids the idle race
 * with its 4 s idle timeout and retries only idempotent methods. The README's "Connections to LiteLLM" section
 * gives the trade-off and the switch (SIDECAR_RESEND_ON_RESET).
 */

/** The request body kept, by reference, until LiteLLM's response head arrives, so it can be sent again. */
export interface HeldBody {
  readonly maxBytes: number;
  chunks: Buffer[];
  bytes: number;
  /** The body outgrew `maxBytes` (or the response began): nothing is held and no resend is possible. */
  released: boolean;
}

/** Bytes a pooled socket had read when its last response ended, stamped when the agent frees it. */
const READ_AT_FREE = Symbol('bytesReadAtFree');
type StampedSocket = Socket & { [READ_AT_FREE]?: number };

/**
 * Makes `agent` remember, per socket, how much it had read when it went back to the pool, so a failed attempt
 * can tell whether any byte of its own response came: one listener on the agent instead of one per request.
 */
export function stampFreedSockets(agent: Agent): void {
  agent.on('free', (socket: StampedSocket) => {
    socket[READ_AT_FREE] = socket.bytesRead;
  });
}

/** True when not one byte of a response arrived on the attempt's connection (a fresh one had read nothing before). */
function readNothingYet(request: ClientRequest): boolean {
  const socket: StampedSocket | null = request.socket;
  if (!socket) return false;
  const before = request.reusedSocket ? socket[READ_AT_FREE] : 0;
  return before !== undefined && socket.bytesRead === before;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Two resends at most. LiteLLM run with several workers can recycle two of them within a moment (each reaches
 * `--max_requests_before_restart` under the same load): the fresh connection of the first resend then lands on a
 * second closing worker (seen once in 200 calls in the e2e suite, 2026-12-05). The second resend waits
 * SECOND_RESEND_DELAY_MS, uvicorn's 100 ms tick, so a replacement worker is accepting.
 */
export const MAX_RESENDS = 2;
export const SECOND_RESEND_DELAY_MS = 100;

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

/** Facts about the call besides the failed attempt, for shouldResend. */
export interface ResendContext {
  /** The held body; undefined when resending is off (SIDECAR_RESEND_ON_RESET=false), so nothing was held. */
  held: HeldBody | undefined;
  /** Resends this call has had already. */
  resends: number;
  clientGone: boolean;
}

/** True when the failed attempt may be sent once more on a fresh connection (the rules above). */
export function shouldResend(failed: ClientRequest, error: Error, context: ResendContext): boolean {
  if (context.resends >= MAX_RESENDS || context.clientGone) return false;
  if (!context.held || context.held.released) return false;
  if (!RESET_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return false;
  return readNothingYet(failed);
}
