import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { stripQuery } from '../http-values';
import { buildUpstreamRequestHeaders } from './forward-headers';
import { classifyUpstreamError, renderUpstreamErrorBody } from './upstream-errors';

/** Writes a complete HTTP/1.1 response on a raw socket (an upgrade request has no ServerResponse). */
function writeRawResponse(socket: Duplex, status: number, statusMessage: string, rawHeaders: string[], body = ''): void {
  let head = `HTTP/1.1 ${status} ${statusMessage}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  socket.end(`${head}\r\n${body}`);
}

/**
 * Creates the handler for Upgrade requests (LiteLLM's /v1/realtime WebSocket): the handshake is forwarded
 * with its Upgrade/Connection headers, then both sockets are piped. Not traced: the frames are not
 * request/response bodies.
 */
export function createUpgradeHandler(upstreamUrl: URL, logger: Logger): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const transport = upstreamUrl.protocol === 'https:' ? https : http;
  const basePath = upstreamUrl.pathname === '/' ? '' : upstreamUrl.pathname;
  return function forwardUpgrade(req, socket, head) {
    if ((req.url ?? '').startsWith('/_sidecar')) {
      socket.destroy();
      return;
    }
    socket.on('error', () => undefined);
    const headers = buildUpstreamRequestHeaders(req, upstreamUrl.host);
    headers.push('connection', 'Upgrade', 'upgrade', String(req.headers.upgrade ?? 'websocket'));
    const upstreamReq = transport.request({
      protocol: upstreamUrl.protocol,
      hostname: upstreamUrl.hostname,
      port: upstreamUrl.port || (upstreamUrl.protocol === 'https:' ? 443 : 80),
      method: req.method,
      path: basePath + (req.url ?? '/'),
      headers,
    });
    upstreamReq.on('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
      upstreamSocket.on('error', () => socket.destroy());
      socket.on('error', () => upstreamSocket.destroy());
      let response = `HTTP/1.1 101 ${upstreamRes.statusMessage ?? 'Switching Protocols'}\r\n`;
      for (let i = 0; i < upstreamRes.rawHeaders.length; i += 2) response += `${upstreamRes.rawHeaders[i]}: ${upstreamRes.rawHeaders[i + 1]}\r\n`;
      socket.write(`${response}\r\n`);
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      upstreamSocket.pipe(socket).pipe(upstreamSocket);
    });
    upstreamReq.on('response', (upstreamRes) => {
      // LiteLLM declined the upgrade (e.g. 401): relay its answer as is.
      const chunks: Buffer[] = [];
      upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
      upstreamRes.on('end', () => {
        const body = Buffer.concat(chunks).toString('latin1');
        const raw = upstreamRes.rawHeaders.filter((_, i, all) => i % 2 === 0 ? !/^(transfer-encoding|connection|content-length)$/i.test(all[i] as string) : !/^(transfer-encoding|connection|content-length)$/i.test(all[i - 1] as string));
        writeRawResponse(socket, upstreamRes.statusCode ?? 502, upstreamRes.statusMessage ?? '', [...raw, 'content-length', String(Buffer.byteLength(body, 'latin1')), 'connection', 'close'], body);
      });
    });
    upstreamReq.on('error', (error) => {
      const failure = classifyUpstreamError(error);
      logger.warn({ path: stripQuery(req.url ?? ''), error: failure.code }, 'upgrade request failed');
      const body = renderUpstreamErrorBody(failure);
      writeRawResponse(socket, failure.status, failure.status === 504 ? 'Gateway Timeout' : failure.status === 503 ? 'Service Unavailable' : 'Bad Gateway', ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), 'connection', 'close'], body);
    });
    upstreamReq.end();
  };
}
