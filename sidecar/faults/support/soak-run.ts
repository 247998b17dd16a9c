import http from 'node:http';
import path from 'node:path';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, startFakeLitellm } from '../../test/support/fake-litellm';
import { startCountingLangfuse } from './counting-langfuse';
import { findMarkers, MARKER_VALUES, SECRET_REQUEST_HEADERS } from './markers';
import { readRss } from './proc';
import { readDrops } from './prometheus';
import { fitLine, thirdsGrowth } from './slope';
import { spawnSidecar } from './spawn-sidecar';

/** Options for runSoak. */
export interface SoakOptions {
  durationS: number;
  concurrency: number;
  sampleIntervalMs: number;
  /** Measured seconds (a warm-up of 25 %, 10 to 60 s, runs first). Post-GC heap growth (MB per minute) above which, if the thirds agree, the soak fails. */
  heapSlopeLimit: number;
  rssSlopeLimit: number;
  log: (line: string) => void;
  /** Extra node flags for the child, e.g. `--require` a deliberate leak to check that the soak catches it. */
  nodeArgs?: string[];
}

/** One memory sample of the sidecar process. */
export interface SoakSample {
  tS: number;
  heapUsedMB: number;
  rssMB: number;
}

/** What the soak measured and whether it held. */
export interface SoakResult {
  requests: number;
  ratePerS: number;
  failures: number;
  byKind: Record<string, number>;
  samples: SoakSample[];
  warmupS: number;
  heap: { startMB: number; endMB: number; slopeMBPerMin: number; thirdsGrowthMB: number };
  rss: { startMB: number; endMB: number; peakMB: number; slopeMBPerMin: number; thirdsGrowthMB: number };
  traces: { recorded: number; exported: number; dropped: number; markerHits: number };
  exitCode: number | null;
  growing: string[];
  ok: boolean;
}

const KINDS = ['json', 'sse', 'json', 'sse', 'json', 'sse', 'error', 'abort', 'big', 'untraced'] as const;
type Kind = (typeof KINDS)[number];

/** A small deterministic PRNG (mulberry32), so two soaks send the same mix. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends one call of the given kind; resolves true when the client saw what that kind should give. */
function sendKind(agent: http.Agent, url: string, kind: Kind, seq: number): Promise<boolean> {
  const stream = kind === 'sse' || kind === 'abort';
  const padding = kind === 'big' ? 'x'.repeat(200 * 1024) : '';
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `soak ${seq} ${padding}` }], stream });
  const path = kind === 'untraced' ? '/v1/models' : '/v1/chat/completions';
  return new Promise((resolve) => {
    const req = http.request(`${url}${path}`, { method: kind === 'untraced' ? 'GET' : 'POST', agent, headers: { ...SECRET_REQUEST_HEADERS, 'content-type': 'application/json', 'x-soak-kind': kind } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (kind === 'abort' && bytes > 200) {
          req.destroy();
          resolve(res.statusCode === 200);
        }
      });
      res.on('end', () => resolve(kind === 'error' ? res.statusCode === 500 : res.statusCode === 200 && bytes > 0));
      res.on('error', () => resolve(kind === 'abort'));
    });
    req.on('error', () => resolve(kind === 'abort'));
    req.end(kind === 'untraced' ? undefined : body);
  });
}

/**
 * Mixed load against a real sidecar process for a warm-up and then `durationS`: JSON and streamed chat, upstream errors, client
 * aborts, 200 KB bodies, untraced routes, and Langfuse failing 2 s in every 10. The child's heap (after a full
 * GC, over IPC) and RSS (from /proc) are sampled; the slope over the time after warm-up says whether memory
 * grows. Sustained growth: slope above the limit and the last third of samples above the first.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const upstream = await startFakeLitellm(async (req, _body, res) => {
    const kind = String(req.headers['x-soak-kind']);
    if (kind === 'error') return sendJson(res, 500, { error: { message: 'provider failed', type: 'api_error', param: null, code: '500' } });
    if (kind === 'untraced') return sendJson(res, 200, { data: [{ id: 'gpt-4o-mini', object: 'model' }], object: 'list' });
    if (kind === 'sse') return sendSse(res, chatStreamEvents(['Soak', 'ing', ' along']));
    // Long enough that the client leaves first.
    if (kind === 'abort') return sendSse(res, chatStreamEvents(Array.from({ length: 40 }, (_, k) => `t${k} `)), 5);
    return sendJson(res, 200, chatCompletion('Soaking along'), { 'x-litellm-call-id': 'soak' });
  });
  const langfuse = await startCountingLangfuse(MARKER_VALUES);
  const sidecar = await spawnSidecar({
    upstreamUrl: upstream.url,
    langfuseUrl: langfuse.url,
    nodeArgs: ['--expose-gc', '--require', path.join(__dirname, 'heap-reporter.cjs'), ...(options.nodeArgs ?? [])],
    ipc: true,
    env: { LOG_LEVEL: 'warn', SIDECAR_EXPORT_INTERVAL_MS: '200' },
  });
  const memoryReplies: Array<(memory: NodeJS.MemoryUsage) => void> = [];
  sidecar.child.on('message', (message: { type?: string; memory?: NodeJS.MemoryUsage }) => {
    if (message.type === 'memory' && message.memory) memoryReplies.shift()?.(message.memory);
  });
  const sampleHeap = () =>
    new Promise<NodeJS.MemoryUsage | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 2000);
      memoryReplies.push((memory) => {
        clearTimeout(timer);
        resolve(memory);
      });
      sidecar.child.send('sample');
    });

  // Warm-up, not measured: V8 and the allocator grow to their working size in the first seconds, which a short
  // window would otherwise read as growth.
  const warmupS = Math.min(60, Math.max(10, options.durationS * 0.25));
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const random = createRandom(20261129);
  const byKind: Record<string, number> = {};
  let requests = 0;
  let failures = 0;
  const runLoadUntil = (endAt: number) =>
    Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < endAt) {
          const kind = KINDS[Math.floor(random() * KINDS.length)] as Kind;
          const seq = requests++;
          byKind[kind] = (byKind[kind] ?? 0) + 1;
          if (!(await sendKind(agent, sidecar.url, kind, seq))) failures++;
        }
      }),
    );
  options.log(`  warming up for ${warmupS.toFixed(0)} s`);
  await runLoadUntil(performance.now() + warmupS * 1000);

  const started = performance.now();
  const elapsedS = () => (performance.now() - started) / 1000;
  const endAt = started + options.durationS * 1000;
  const warmupRequests = requests;
  const samples: SoakSample[] = [];
  let stopSampling = false;

  const sampler = (async () => {
    while (!stopSampling) {
      const memory = await sampleHeap();
      const rssMB = readRss(sidecar.pid).rssMB;
      if (memory) samples.push({ tS: elapsedS(), heapUsedMB: memory.heapUsed / 1e6, rssMB });
      const last = samples[samples.length - 1];
      if (last && samples.length % 10 === 0) options.log(`  t=${last.tS.toFixed(0)}s heap ${last.heapUsedMB.toFixed(1)} MB rss ${last.rssMB.toFixed(1)} MB, ${requests} requests`);
      await new Promise((resolve) => setTimeout(resolve, options.sampleIntervalMs));
    }
  })();
  // Langfuse fails for 2 s in every 10: the drop paths run too, and must not leak either.
  const flapper = setInterval(() => {
    langfuse.mode = Math.floor(elapsedS()) % 10 >= 8 ? 'error500' : 'ok';
    upstream.received.length = 0;
  }, 100);

  await runLoadUntil(endAt);
  const loadSeconds = elapsedS();
  clearInterval(flapper);
  langfuse.mode = 'ok';
  stopSampling = true;
  await sampler;
  agent.destroy();

  // Let the export queue settle, then read the counters.
  let metrics = await sidecar.metrics();
  for (let i = 0; i < 100 && (metrics.sidecar_export_queue_length ?? 0) > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    metrics = await sidecar.metrics();
  }
  const exit = await sidecar.stop();
  await upstream.close();
  await langfuse.close();

  const steady = samples;
  const heapLine = fitLine(steady.map((s) => ({ x: s.tS / 60, y: s.heapUsedMB })));
  const rssLine = fitLine(steady.map((s) => ({ x: s.tS / 60, y: s.rssMB })));
  const heapThirds = thirdsGrowth(steady.map((s) => s.heapUsedMB));
  const rssThirds = thirdsGrowth(steady.map((s) => s.rssMB));
  const growing: string[] = [];
  // Slope and thirds must agree: a short noisy window can tilt the line without any real growth.
  if (heapLine.slope > options.heapSlopeLimit && heapThirds > 2) growing.push(`heap +${heapLine.slope.toFixed(2)} MB/min`);
  if (rssLine.slope > options.rssSlopeLimit && rssThirds > 10) growing.push(`RSS +${rssLine.slope.toFixed(2)} MB/min`);
  const logLeaks = findMarkers(sidecar.rawLines.join('\n')).length;
  const traces = {
    recorded: metrics.sidecar_traces_recorded_total ?? 0,
    exported: metrics.sidecar_traces_exported_total ?? 0,
    dropped: readDrops(metrics).total,
    markerHits: langfuse.markerHits + logLeaks,
  };
  return {
    requests,
    ratePerS: (requests - warmupRequests) / loadSeconds,
    failures,
    byKind,
    samples,
    warmupS,
    heap: { startMB: steady[0]?.heapUsedMB ?? 0, endMB: steady[steady.length - 1]?.heapUsedMB ?? 0, slopeMBPerMin: heapLine.slope, thirdsGrowthMB: heapThirds },
    rss: { startMB: steady[0]?.rssMB ?? 0, endMB: steady[steady.length - 1]?.rssMB ?? 0, peakMB: Math.max(...samples.map((s) => s.rssMB)), slopeMBPerMin: rssLine.slope, thirdsGrowthMB: rssThirds },
    traces,
    exitCode: exit.code,
    growing,
    ok: growing.length === 0 && failures === 0 && exit.code === 0 && steady.length >= 3 && traces.markerHits === 0,
  };
}
