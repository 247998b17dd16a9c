import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the fake upstream received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** Handles one request at the fake; the body has been read whole. */
export type FakeHandler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void | Promise<void>;

/** A fake LiteLLM on 127.0.0.1:0 whose behaviour each test sets, and which records what it received. */
export interface FakeLitellm {
  url: string;
  port: number;
  received: ReceivedRequest[];
  handle: FakeHandler;
  /** Sockets currently open at the fake (for leak checks). */
  openSockets: () => number;
  close: () => Promise<void>;
}

/** How the fake treats idle keep-alive connections. */
export interface FakeLitellmOptions {
  /**
   * Close a connection (FIN) once it has been idle this long after a response, the way uvicorn's
   * `timeout_keep_alive` does, without Node's `Keep-Alive: timeout=` hint (uvicorn sends none).
   */
  idleCloseMs?: number;
  /**
   * With idleCloseMs: the close takes this long to reach the client, as over a link with that one-way latency;
   * a request that arrives meanwhile is dropped unanswered, the race a client loses against a closing server.
   */
  closeLatencyMs?: number;
}

/** Starts the fake; by default it answers every request with a small chat completion. */
export async function startFakeLitellm(handler?: FakeHandler, options: FakeLitellmOptions = {}): Promise<FakeLitellm> {
  const sockets = new Set<Socket>();
  const fake: FakeLitellm = {
    url: '',
    port: 0,
    received: [],
    handle: handler ?? ((_req, _body, res) => sendJson(res, 200, chatCompletion('Hello!'))),
    openSockets: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fake.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      Promise.resolve(fake.handle(req, body, res)).catch((error: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: error.message } });
      });
    });
  });
  type IdleSocket = Socket & { idleTimer?: NodeJS.Timeout; closing?: boolean };
  server.on('connection', (socket: IdleSocket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      clearTimeout(socket.idleTimer);
    });
  });
  const { idleCloseMs } = options;
  if (idleCloseMs !== undefined) {
    server.keepAliveTimeout = 0;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket as IdleSocket;
      if (socket.closing) {
        socket.destroy();
        return;
      }
      clearTimeout(socket.idleTimer);
      res.on('finish', () => {
        socket.idleTimer = setTimeout(() => {
          socket.closing = true;
          socket.idleTimer = setTimeout(() => socket.end(), options.closeLatencyMs ?? 0);
        }, idleCloseMs);
      });
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

/** Sends a JSON body with LiteLLM-like headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A chat completion body the way LiteLLM returns it. */
export function chatCompletion(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-test123',
    object: 'chat.completion',
    created: 1764400000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 2 } },
    ...extra,
  };
}

/** The SSE chunks of a streamed chat completion: role, content pieces, finish, usage, [DONE]. */
export function chatStreamEvents(pieces: string[], options: { usage?: boolean; cost?: number } = {}): string[] {
  const base = { id: 'chatcmpl-stream1', object: 'chat.completion.chunk', created: 1764400000, model: 'gpt-4o-mini-2024-07-18' };
  const events = [JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })];
  for (const piece of pieces) events.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] }));
  events.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  if (options.usage !== false) {
    const usage: Record<string, unknown> = { prompt_tokens: 9, completion_tokens: pieces.length, total_tokens: 9 + pieces.length };
    if (options.cost !== undefined) usage.cost = options.cost;
    events.push(JSON.stringify({ ...base, choices: [], usage }));
  }
  events.push('[DONE]');
  return events.map((data) => `data: ${data}\n\n`);
}

/** Streams SSE events, `delayMs` apart (0 = as fast as possible, each its own write). */
export async function sendSse(res: ServerResponse, events: string[], delayMs = 0, headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  for (const event of events) {
    if (res.destroyed) return;
    res.write(event);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  res.end();
}
