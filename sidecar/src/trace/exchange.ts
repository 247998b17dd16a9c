import type { IncomingHttpHeaders } from 'node:http';
import type { BodyCapture } from '../capture/capture-body';
import type { LlmRoute } from '../interpret/types';
import type { UpstreamFailure } from '../proxy/upstream-errors';
import type { RequestProject } from './read-trace-context';
import type { CallerSpan } from './read-traceparent';

/**
 * Everything the proxy saw of one call, handed to the export queue when the response is done.
 * Built on the request path with references only: all parsing happens later, off the path.
 */
export interface Exchange {
  traceId: string;
  spanId: string;
  /** LiteLLM's per-request Langfuse credentials from the body: the project this call's trace goes to. */
  requestProject?: RequestProject;
  /** SHA-256 of the LiteLLM key the call used, when key attribution is on (attribution/key-attribution.ts). */
  apiKeyHash?: string;
  /** The caller's span this call is nested under (W3C traceparent), when the trace is the caller's. */
  callerSpan?: CallerSpan;
  method: string;
  /** Request target as received (path and query). */
  url: string;
  route?: LlmRoute;
  /** Epoch milliseconds (sub-millisecond fraction kept). */
  startMs: number;
  responseStartMs?: number;
  endMs: number;
  requestHeaders: IncomingHttpHeaders;
  request: BodyCapture;
  /** The request body parsed early (only when the trace id had to be read from it); reused later. */
  requestJson?: unknown;
  status?: number;
  responseHeaders?: IncomingHttpHeaders;
  response: BodyCapture;
  /** LiteLLM could not be reached or timed out before answering. */
  failure?: UpstreamFailure;
  /** Why the first attempt failed, when the call was resent once on a fresh connection (proxy/resend-on-reset.ts). */
  upstreamResend?: string;
  /** The upstream broke after the response started. */
  brokenMidResponse?: string;
  /** The client went away before the response ended. */
  clientAborted: boolean;
  /** The sidecar itself cut the call: the shutdown grace period ran out while it was in flight. */
  cutAtShutdown?: boolean;
}
