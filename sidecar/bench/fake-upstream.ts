/**
 * A fast fake OpenAI-compatible upstream, run as its own process so it never shares an event loop with a proxy.
 * Responses are rendered once at start-up: the fake should cost as little as possible per request, so that
 * the "direct" setup is close to the physical limit of the machine.
 */
import http from 'node:http';
import { announceReady, serveCommands } from './ipc';

// A model in LiteLLM's bundled price list, so LiteLLM (setup 5) computes a cost without complaint.
const MODEL = 'gpt-4o-mini';
const STREAM_CHUNKS = 50;
const EMBEDDING_DIMENSIONS = 1536;

/** Requests seen since the last reset, by kind; the runner compares them with the traces Langfuse received. */
const counts = { chat: 0, stream: 0, embeddings: 0, other: 0, bytesIn: 0 };
/** Gap between SSE chunks: 0 for throughput runs, a few ms for time-to-first-byte runs (set over IPC). */
let chunkDelayMs = 0;

const answer = 'The quick brown fox jumps over the lazy dog. '.repeat(16).trim();
const chatBody = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench0001',
    object: 'chat.completion',
    created: 1764400000,
    model: MODEL,
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, message: { role: 'assistant', content: answer, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 240, completion_tokens: 180, total_tokens: 420 },
  }),
);

function renderStreamChunks(): Buffer[] {
  const base = { id: 'chatcmpl-bench0002', object: 'chat.completion.chunk', created: 1764400000, model: MODEL };
  const sse = (payload: unknown) => Buffer.from(`data: ${JSON.stringify(payload)}\n\n`);
  const chunks = [sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })];
  for (let i = 1; i < STREAM_CHUNKS - 1; i += 1) {
    chunks.push(sse({ ...base, choices: [{ index: 0, delta: { content: `word${i} ` }, finish_reason: null }] }));
  }
  chunks.push(sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  // The usage chunk OpenAI sends last when stream_options.include_usage is set: empty choices.
  chunks.push(sse({ ...base, choices: [], usage: { prompt_tokens: 240, completion_tokens: 48, total_tokens: 288 } }));
  chunks.push(Buffer.from('data: [DONE]\n\n'));
  return chunks;
}
const streamChunks = renderStreamChunks();

const embeddingBody = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: [
      {
        object: 'embedding',
        index: 0,
        embedding: Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => Number((Math.sin(i) / 10).toFixed(9))),
      },
    ],
    model: 'bench-embed',
    usage: { prompt_tokens: 40, total_tokens: 40 },
  }),
);

function sendJson(res: http.ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function sendStream(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (chunkDelayMs === 0) {
    for (const chunk of streamChunks) res.write(chunk);
    res.end();
    return;
  }
  let next = 0;
  const writeNext = (): void => {
    if (res.destroyed) return;
    res.write(streamChunks[next]);
    next += 1;
    if (next === streamChunks.length) res.end();
    else setTimeout(writeNext, chunkDelayMs);
  };
  writeNext();
}

/** The stream flag is found without parsing: a 1 MiB prompt should not cost the fake a JSON.parse. */
function isStreamRequest(body: Buffer): boolean {
  return body.includes('"stream":true') || body.includes('"stream": true');
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/v1\//, '/');
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    counts.bytesIn += body.length;
    if (req.method === 'GET' && path.startsWith('/health')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('"I\'m alive!"');
    } else if (req.method === 'POST' && path === '/chat/completions') {
      if (isStreamRequest(body)) {
        counts.stream += 1;
        sendStream(res);
      } else {
        counts.chat += 1;
        sendJson(res, chatBody);
      }
    } else if (req.method === 'POST' && path === '/embeddings') {
      counts.embeddings += 1;
      sendJson(res, embeddingBody);
    } else {
      counts.other += 1;
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    }
  });
}

const server = http.createServer(handle);
// Proxies keep connections alive: outlive their idle timers so no request races a server-side close.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : undefined);
});

serveCommands({
  stats: () => ({ ...counts }),
  reset: () => {
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] = 0;
    return true;
  },
  configure: (command) => {
    chunkDelayMs = Number(command.chunkDelayMs ?? 0);
    return true;
  },
});
