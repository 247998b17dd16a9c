/** The four workloads of the benchmark issue, and the two run profiles (full and --quick). */

/** Names of the workloads, in table order. */
export type WorkloadName = 'chat' | 'stream' | 'body-1mib' | 'embeddings';

/** One workload: a request to repeat, its closed-loop concurrency and its open-loop rate. */
export interface Workload {
  name: WorkloadName;
  label: string;
  path: string;
  body: string;
  /** Connections for the closed-loop throughput run. */
  connections: number;
  /** Requests per second for the open-loop latency run: moderate, well below every setup's capacity. */
  rate: number;
}

/** How long and how often to measure. */
export interface Profile {
  name: 'full' | 'quick';
  rounds: number;
  warmupSec: number;
  throughputSec: number;
  latencySec: number;
  ttfbLanes: number;
  ttfbRequestsPerLane: number;
  /** Gap between SSE chunks in the time-to-first-byte run, so the first chunk is alone on the wire. */
  ttfbChunkDelayMs: number;
  streamsSec: number;
  /** Open streams for the peak-RSS run (the "200 concurrent streams"). */
  streamsConcurrency: number;
  /** Gap between SSE chunks in the peak-RSS run, so the streams really stay open together. */
  streamsChunkDelayMs: number;
  /** Also run the sidecar once at LOG_LEVEL=info, its default. */
  infoRun: boolean;
}

/** The model name clients send; LiteLLM's bench config maps it to the fake upstream. */
export const BENCH_MODEL = 'bench-model';

const systemPrompt = 'You are a concise assistant that answers questions about benchmarks. '.repeat(3).trim();
const userPrompt = 'Explain, in a few sentences, why a reverse proxy should not buffer server-sent events. '.repeat(7).trim();

function chatBody(extra: Record<string, unknown> = {}, userContent = userPrompt): string {
  return JSON.stringify({
    model: BENCH_MODEL,
    messages: [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: userContent },
    ],
    temperature: 0.2,
    user: 'bench-user',
    ...extra,
  });
}

/**
 * A chat request of exactly 1 MiB: the prompt is prose (a long document pasted into the chat), repeated
 * until the JSON body reaches 1,048,576 bytes. Prose, not one repeated letter: byte searches over a
 * single-letter haystack hit their worst case, which real prompts do not.
 */
function oneMebibyteChatBody(): string {
  const target = 1024 * 1024;
  const room = target - Buffer.byteLength(chatBody({}, ''));
  const document = `${userPrompt} ${systemPrompt} `.repeat(Math.ceil(room / (userPrompt.length + systemPrompt.length + 2)));
  return chatBody({}, document.slice(0, room));
}

/** Builds the workloads; bodies are rendered once. */
export function createWorkloads(): Workload[] {
  return [
    { name: 'chat', label: 'small chat (~1 KB each way)', path: '/v1/chat/completions', body: chatBody(), connections: 32, rate: 200 },
    {
      name: 'stream',
      label: 'streaming chat (50 chunks)',
      path: '/v1/chat/completions',
      body: chatBody({ stream: true, stream_options: { include_usage: true } }),
      connections: 32,
      rate: 100,
    },
    { name: 'body-1mib', label: '1 MiB request body', path: '/v1/chat/completions', body: oneMebibyteChatBody(), connections: 16, rate: 40 },
    {
      name: 'embeddings',
      label: 'embeddings (1536 floats)',
      path: '/v1/embeddings',
      body: JSON.stringify({ model: 'bench-embed', input: userPrompt.slice(0, 400) }),
      connections: 32,
      rate: 200,
    },
  ];
}

/** The default run (~10 minutes with every setup) and the --quick smoke run (~1 minute). */
export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    rounds: 3,
    warmupSec: 0.5,
    throughputSec: 2,
    latencySec: 2,
    ttfbLanes: 8,
    ttfbRequestsPerLane: 20,
    ttfbChunkDelayMs: 2,
    streamsSec: 3,
    streamsConcurrency: 200,
    streamsChunkDelayMs: 5,
    infoRun: true,
  },
  quick: {
    name: 'quick',
    rounds: 1,
    warmupSec: 0.5,
    throughputSec: 1,
    latencySec: 1,
    ttfbLanes: 4,
    ttfbRequestsPerLane: 10,
    ttfbChunkDelayMs: 2,
    streamsSec: 2,
    streamsConcurrency: 200,
    streamsChunkDelayMs: 5,
    infoRun: false,
  },
};
