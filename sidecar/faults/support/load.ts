import { createHash } from 'node:crypto';
import http from 'node:http';
import { SECRET_REQUEST_HEADERS } from './markers';

/** One request of a load run. */
export interface LoadRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What the client saw of one response: enough to compare two runs byte for byte. */
export interface LoadResponse {
  status: number;
  /** sha1 of the body bytes, content type and LiteLLM call id: what must not change under a Langfuse fault. */
  digest: string;
  traceId?: string;
  latencyMs: number;
  error?: string;
}

/** A load run's outcome. */
export interface LoadResult {
  responses: LoadResponse[];
  durationMs: number;
  meanLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  errors: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Sends one request and digests the response. */
function sendOne(agent: http.Agent, baseUrl: string, request: LoadRequest): Promise<LoadResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(`${baseUrl}${request.path}`, { method: request.method ?? 'POST', headers: request.headers, agent }, (res) => {
      const hash = createHash('sha1');
      res.on('data', (chunk: Buffer) => hash.update(chunk));
      res.on('end', () => {
        hash.update(`|${String(res.headers['content-type'])}|${String(res.headers['x-litellm-call-id'])}`);
        const traceId = res.headers['x-langfuse-trace-id'];
        resolve({ status: res.statusCode ?? 0, digest: hash.digest('hex'), traceId: typeof traceId === 'string' ? traceId : undefined, latencyMs: performance.now() - started });
      });
      res.on('error', (error) => resolve({ status: 0, digest: '', latencyMs: performance.now() - started, error: error.message }));
    });
    req.on('error', (error) => resolve({ status: 0, digest: '', latencyMs: performance.now() - started, error: error.message }));
    req.end(request.body);
  });
}

/** Sends requests `from`..`to` (exclusive) over `concurrency` connections (closed loop), storing each response at its index. */
async function runRange(agent: http.Agent, baseUrl: string, from: number, to: number, concurrency: number, makeRequest: (index: number) => LoadRequest, into: LoadResponse[]): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const index = next++;
      into[index] = await sendOne(agent, baseUrl, makeRequest(index));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Latency statistics over a set of responses. */
function summarize(responses: LoadResponse[], durationMs: number): LoadResult {
  const latencies = responses.map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    responses,
    durationMs,
    meanLatencyMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    p50LatencyMs: percentile(latencies, 50),
    p99LatencyMs: percentile(latencies, 99),
    errors: responses.filter((r) => r.error !== undefined).length,
  };
}

/** Runs `count` requests with `concurrency` keep-alive connections (closed loop), in index order. */
export async function runLoad(baseUrl: string, count: number, concurrency: number, makeRequest: (index: number) => LoadRequest): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const responses = new Array<LoadResponse>(count);
  const started = performance.now();
  await runRange(agent, baseUrl, 0, count, concurrency, makeRequest, responses);
  const durationMs = performance.now() - started;
  agent.destroy();
  return summarize(responses, durationMs);
}

/**
 * Runs the same `count` requests against two sidecars in alternating blocks (A then B, then B then A, ...),
 * so both see the same background load: on a shared 2-core machine the noise between two runs minutes
 * apart is larger than the effect being measured, while interleaved blocks cancel it out. The median of
 * the per-block latency ratios (B over A) is robust to a burst of load hitting one block.
 */
export async function runInterleaved(
  urlA: string,
  urlB: string,
  count: number,
  concurrency: number,
  blockSize: number,
  makeRequest: (index: number) => LoadRequest,
): Promise<{ a: LoadResult; b: LoadResult; medianBlockRatio: number }> {
  const agentA = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const agentB = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const a = new Array<LoadResponse>(count);
  const b = new Array<LoadResponse>(count);
  let durationA = 0;
  let durationB = 0;
  const blockRatios: number[] = [];
  const blockMean = (responses: LoadResponse[], from: number, to: number) => responses.slice(from, to).reduce((sum, r) => sum + r.latencyMs, 0) / (to - from);
  for (let from = 0, block = 0; from < count; from += blockSize, block++) {
    const to = Math.min(count, from + blockSize);
    const order = block % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const which of order) {
      const started = performance.now();
      if (which === 'a') await runRange(agentA, urlA, from, to, concurrency, makeRequest, a);
      else await runRange(agentB, urlB, from, to, concurrency, makeRequest, b);
      if (which === 'a') durationA += performance.now() - started;
      else durationB += performance.now() - started;
    }
    blockRatios.push(blockMean(b, from, to) / blockMean(a, from, to));
  }
  agentA.destroy();
  agentB.destroy();
  blockRatios.sort((x, y) => x - y);
  const mid = blockRatios.length >> 1;
  const medianBlockRatio = blockRatios.length % 2 === 1 ? (blockRatios[mid] as number) : ((blockRatios[mid - 1] as number) + (blockRatios[mid] as number)) / 2;
  return { a: summarize(a, durationA), b: summarize(b, durationB), medianBlockRatio };
}

/**
 * The suite's standard mixed workload: even indexes a JSON chat call, odd ones a streamed one, each carrying
 * its index (the fake upstream answers with it) and the secret marker headers.
 */
export function makeMixedChatRequest(index: number): LoadRequest {
  const stream = index % 2 === 1;
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content: `Say hello to request ${index}.` },
    ],
    temperature: 0.2,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });
  return {
    path: '/v1/chat/completions',
    headers: { ...SECRET_REQUEST_HEADERS, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-fault-seq': String(index) },
    body,
  };
}
