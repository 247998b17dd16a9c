import http from 'node:http';
import https from 'node:https';

/** Options for createUpstreamAgent. */
export interface UpstreamAgentOptions {
  protocol: string;
  /** How long an idle pooled connection may wait for its next request before the sidecar closes it. */
  idleTimeoutMs: number;
}

/**
 * Creates the keep-alive pool for LiteLLM. LiteLLM (uvicorn) closes a connection that stayed idle for its
 * keep-alive timeout (5 s, uvicorn's `timeout_keep_alive` default, which LiteLLM's `--keepalive_timeout` keeps);
 * a request written to such a connection while its FIN is on the way fails with no response. Closing idle
 * connections ourselves, a margin before LiteLLM does, means none is ever handed out in that window: undici
 * does the same with its 4 s default. Node's Agent applies `timeout` to sockets in the free list
 * (`keepSocketAlive` in lib/_http_agent.js) and honours a `Keep-Alive: timeout=` hint minus one second.
 * `lifo` hands out the most recently used connection, the one furthest from its idle limit.
 */
export function createUpstreamAgent(options: UpstreamAgentOptions): http.Agent {
  const Agent = options.protocol === 'https:' ? https.Agent : http.Agent;
  return new Agent({ keepAlive: true, scheduling: 'lifo', timeout: options.idleTimeoutMs });
}
