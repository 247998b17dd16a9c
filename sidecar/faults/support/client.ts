import http from 'node:http';
import net from 'node:net';
import { SECRET_REQUEST_HEADERS } from './markers';

/** A response as the client saw it, including how it ended. */
export interface ClientResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The response ended cleanly ('end'); false when the connection was cut mid-body. */
  complete: boolean;
  /** A request-level error (refused, reset before the head). */
  error?: string;
  durationMs: number;
}

/** Options for sendRequest. */
export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Gives up after this long (the request is destroyed and the result says so). */
  timeoutMs?: number;
}

/** One request, with the secret marker headers, resolving however it ends (never rejects). */
export function sendRequest(url: string, options: SendOptions = {}): Promise<ClientResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<ClientResponse, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: performance.now() - started });
    };
    const req = http.request(url, { method: options.method ?? 'POST', headers: { ...SECRET_REQUEST_HEADERS, ...options.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: true }));
      res.on('error', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: false }));
      res.on('aborted', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: false }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false, error: 'client timeout' });
    }, options.timeoutMs ?? 30_000);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false, error: error.code ?? error.message }));
    req.end(options.body);
  });
}

/** Writes raw bytes on a fresh TCP connection and collects everything until the server closes it (or `idleMs` of silence). */
export function sendRaw(port: number, bytes: string | Buffer, idleMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.setTimeout(idleMs, done);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(bytes);
  });
}

/** A chat request body, streamed or not. */
export function chatBody(content: string, stream = false): string {
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream });
}
