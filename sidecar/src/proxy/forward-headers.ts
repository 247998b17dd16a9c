import type { IncomingMessage } from 'node:http';

/** Hop-by-hop headers: meaningful for one connection only, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Header names listed in a Connection header are hop-by-hop too (RFC 9110 §7.6.1). */
function listConnectionTokens(rawHeaders: string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'connection') continue;
    for (const token of (rawHeaders[i + 1] as string).split(',')) {
      const name = token.trim().toLowerCase();
      if (name) (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

/**
 * Copies end-to-end headers in their original case and order (raw pairs, so underscore names such as
 * `langfuse_trace_id` and repeated headers survive), dropping hop-by-hop ones and anything in `drop`.
 */
export function copyEndToEndHeaders(rawHeaders: string[], drop?: Set<string>): string[] {
  const connectionTokens = listConnectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionTokens?.has(lower) || drop?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

const REQUEST_DROP = new Set(['host', 'expect', 'x-forwarded-host', 'x-forwarded-proto']);

/** Request headers for LiteLLM: end-to-end headers untouched, Host set to the upstream, X-Forwarded-* added. */
export function buildUpstreamRequestHeaders(req: IncomingMessage, upstreamHost: string): string[] {
  const headers = copyEndToEndHeaders(req.rawHeaders, REQUEST_DROP);
  const clientIp = req.socket.remoteAddress;
  const priorFor = req.headers['x-forwarded-for'];
  if (clientIp) {
    // Replace any X-Forwarded-For the client sent with the appended chain, as reverse proxies do.
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if ((headers[i] as string).toLowerCase() === 'x-forwarded-for') headers.splice(i, 2);
    }
    headers.push('x-forwarded-for', priorFor ? `${String(priorFor)}, ${clientIp}` : clientIp);
  }
  headers.push('host', upstreamHost);
  if (req.headers.host) headers.push('x-forwarded-host', req.headers.host);
  headers.push('x-forwarded-proto', 'encrypted' in req.socket ? 'https' : 'http');
  return headers;
}

/** Response headers for the client: LiteLLM's end-to-end headers as sent, plus ours. */
export function buildClientResponseHeaders(rawHeaders: string[], extra?: string[]): string[] {
  const headers = copyEndToEndHeaders(rawHeaders);
  if (extra) headers.push(...extra);
  return headers;
}
