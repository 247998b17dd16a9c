/**
 * Measures one setup for one round: closed-loop throughput with CPU per request, open-loop latency,
 * time to first byte, peak RSS under many open streams, and traces received versus requests forwarded.
 */
import { getText, sleep, type NodeChild } from './children';
import type { CannonResult, CannonSpec, PaceSpec, RequestSpec, TtfbResult, TtfbSpec } from './load-worker';
import { readMachineBusyMs, readRssMB, readTreeCpuMs } from './proc-stats';
import type { Setup, SetupContext, Target } from './setups';
import type { Profile, Workload, WorkloadName } from './workloads';

/** The shared processes a measurement drives. */
export interface Rig {
  upstream: NodeChild;
  langfuse: NodeChild;
  loader: NodeChild;
  context: SetupContext;
  profile: Profile;
  workloads: Workload[];
}

/** Closed-loop result with the setup's CPU cost. */
export interface ThroughputResult extends CannonResult {
  /** CPU time of the setup's processes per successful request (ms); absent for the direct setup. */
  cpuMsPerRequest?: number;
  /** Share of one core the setup's processes used during the run. */
  cpuCores?: number;
}

/** Counts at the end of a setup's life: what the upstream saw and what Langfuse received. */
export interface TraceCount {
  forwarded: number;
  /** Proxied requests the sidecar itself counted (sidecar_requests_total); absent for setups without it. */
  received?: number;
  /** Traces the sidecar says it gave up (sidecar_traces_dropped_total, all reasons). */
  dropped?: number;
  spans: number;
  traces: number;
  exports: number;
  unparsable: number;
}

/** Everything measured for one setup in one round. */
export interface SetupRun {
  setup: string;
  round: number;
  throughput: Partial<Record<WorkloadName, ThroughputResult>>;
  latency: Partial<Record<WorkloadName, CannonResult>>;
  ttfb?: TtfbResult;
  streams?: CannonResult & { peakRssMB?: number };
  peakRssMB?: number;
  traces?: TraceCount;
  /** The sidecar's own counters (/_sidecar/metrics) just before it was stopped. */
  metrics?: Record<string, number>;
  exitCode?: number | null;
  failed: number;
  /** Cores kept busy by processes outside the bench while this setup ran: other work on a shared machine. */
  backgroundCores: number;
}

interface UpstreamCounts {
  chat: number;
  stream: number;
  embeddings: number;
}

interface LangfuseCounts {
  spans: number;
  traces: number;
  exports: number;
  unparsable: number;
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };

function requestFor(target: Target, workload: Workload): RequestSpec {
  return { url: `${target.url}${workload.path}`, method: 'POST', headers: HEADERS, body: workload.body };
}

/** Samples the summed VmRSS of some processes every 100 ms; the peak since the last reset is kept. */
function startRssSampler(pids: number[]): { reset(): void; peak(): number; stop(): void } {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, pids.reduce((sum, pid) => sum + readRssMB(pid).rss, 0));
  };
  const timer = setInterval(sample, 100);
  return {
    reset: () => {
      peak = 0;
      sample();
    },
    peak: () => {
      sample();
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}

/** Waits until the setup's exports have landed, so one phase's export work is not billed to the next. */
async function waitForExports(rig: Rig, setup: Setup): Promise<void> {
  if (setup.exporting === 'none') return;
  if (setup.exporting === 'down') {
    // Nothing arrives: give the exporter one tick of its 1 s timer (SIDECAR_EXPORT_INTERVAL_MS) to fail.
    await sleep(1_200);
    return;
  }
  // Done when every forwarded request has its trace, or when the count has stopped moving (drops, or
  // exporters such as LiteLLM's that send several spans per call).
  const started = Date.now();
  let last = -1;
  let still = 0;
  while (Date.now() - started < 10_000) {
    const { forwarded, traces } = await countTraces(rig);
    if (traces >= forwarded) return;
    still = traces === last ? still + 1 : 0;
    if (still >= 5 && Date.now() - started > 1_500) return;
    last = traces;
    await sleep(100);
  }
}

async function measureThroughput(rig: Rig, setup: Setup, target: Target, workload: Workload): Promise<ThroughputResult> {
  const base = { ...requestFor(target, workload), connections: setup.load?.connections ?? workload.connections };
  await rig.loader.call<CannonResult>('cannon', { spec: { ...base, durationSec: rig.profile.warmupSec } satisfies CannonSpec });
  await waitForExports(rig, setup);
  const cpuBefore = readTreeCpuMs(target.pids);
  const started = Date.now();
  const result = await rig.loader.call<CannonResult>('cannon', { spec: { ...base, durationSec: setup.load?.throughputSec ?? rig.profile.throughputSec } satisfies CannonSpec });
  const elapsedMs = Date.now() - started;
  const cpuDuringMs = readTreeCpuMs(target.pids) - cpuBefore;
  await waitForExports(rig, setup);
  const cpuMs = readTreeCpuMs(target.pids) - cpuBefore;
  if (target.pids.length === 0) return result;
  return { ...result, cpuMsPerRequest: cpuMs / Math.max(1, result.ok), cpuCores: cpuDuringMs / elapsedMs };
}

async function measureStreams(rig: Rig, setup: Setup, target: Target, workloads: Workload[], rss: ReturnType<typeof startRssSampler>) {
  const stream = workloads.find((w) => w.name === 'stream')!;
  const profile = rig.profile;
  // A short warm-up so time to first byte is not measured on cold (unoptimized) code.
  const warmup: CannonSpec = { ...requestFor(target, stream), connections: 8, durationSec: profile.warmupSec };
  await rig.loader.call<CannonResult>('cannon', { spec: warmup });
  await waitForExports(rig, setup);
  await rig.upstream.call('configure', { chunkDelayMs: profile.ttfbChunkDelayMs });
  const ttfb = await rig.loader.call<TtfbResult>('ttfb', {
    spec: { ...requestFor(target, stream), lanes: profile.ttfbLanes, requestsPerLane: profile.ttfbRequestsPerLane } satisfies TtfbSpec,
  });
  await rig.upstream.call('configure', { chunkDelayMs: profile.streamsChunkDelayMs });
  rss.reset();
  const streams = await rig.loader.call<CannonResult>('cannon', {
    spec: { ...requestFor(target, stream), connections: profile.streamsConcurrency, durationSec: profile.streamsSec } satisfies CannonSpec,
  });
  const peakRssMB = target.pids.length > 0 ? rss.peak() : undefined;
  await rig.upstream.call('configure', { chunkDelayMs: 0 });
  await waitForExports(rig, setup);
  return { ttfb, streams: { ...streams, peakRssMB } };
}

async function countTraces(rig: Rig): Promise<TraceCount> {
  const upstream = await rig.upstream.call<UpstreamCounts>('stats');
  const langfuse = await rig.langfuse.call<LangfuseCounts>('stats');
  return {
    forwarded: upstream.chat + upstream.stream + upstream.embeddings,
    spans: langfuse.spans,
    traces: langfuse.traces,
    exports: langfuse.exports,
    unparsable: langfuse.unparsable,
  };
}

/** Reads a Prometheus text page into name{labels} -> value. */
async function readMetrics(url: string): Promise<Record<string, number>> {
  const { body: text } = await getText(url);
  const metrics: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) metrics[match[1]!] = Number(match[2]);
  }
  return metrics;
}

/** Starts a setup, measures every workload it supports, stops it, and counts its traces. */
export async function measureSetup(rig: Rig, setup: Setup, round: number): Promise<SetupRun> {
  const target = await setup.start(rig.context, `${setup.name}-r${round}`);
  await rig.upstream.call('reset');
  await rig.langfuse.call('reset');
  const rss = startRssSampler(target.pids);
  const workloads = rig.workloads.filter((w) => setup.workloads.includes(w.name));
  const run: SetupRun = { setup: setup.name, round, throughput: {}, latency: {}, failed: 0, backgroundCores: 0 };
  const ours = [process.pid, rig.upstream.pid, rig.langfuse.pid, rig.loader.pid, ...target.pids];
  const started = { at: Date.now(), machine: readMachineBusyMs(), ours: readTreeCpuMs(ours) };
  try {
    // Streams first, on a fresh process: the peak RSS under 200 open streams must not include what the
    // 1 MiB phase left in the heap (V8 rarely hands memory back).
    if (setup.streams) Object.assign(run, await measureStreams(rig, setup, target, workloads, rss));
    for (const workload of workloads) run.throughput[workload.name] = await measureThroughput(rig, setup, target, workload);
    for (const workload of workloads) {
      const spec: PaceSpec = { ...requestFor(target, workload), rate: setup.load?.rate ?? workload.rate, durationSec: rig.profile.latencySec };
      run.latency[workload.name] = await rig.loader.call<CannonResult>('pace', { spec });
      // Each phase starts with an empty export queue: a backlog of 1 MiB traces would slow the next one.
      await waitForExports(rig, setup);
    }
    const busyMs = readMachineBusyMs() - started.machine - (readTreeCpuMs(ours) - started.ours);
    run.backgroundCores = Math.max(0, busyMs / (Date.now() - started.at));
    run.peakRssMB = target.pids.length === 1 ? readRssMB(target.pids[0]!).peak : target.pids.length > 0 ? rss.peak() : undefined;
    if (target.metricsUrl) run.metrics = await readMetrics(target.metricsUrl);
  } finally {
    rss.stop();
    // SIGTERM drains the sidecar's export queue before it exits, so the count below is final.
    run.exitCode = await target.stop();
  }
  if (setup.exporting === 'up') {
    await waitForExports(rig, setup);
    run.traces = await countTraces(rig);
    if (run.metrics) {
      run.traces.received = run.metrics.sidecar_requests_total;
      run.traces.dropped = Object.entries(run.metrics)
        .filter(([name]) => name.startsWith('sidecar_traces_dropped_total'))
        .reduce((sum, [, value]) => sum + value, 0);
    }
  }
  run.failed =
    Object.values(run.throughput).reduce((sum, r) => sum + r.failed, 0) +
    Object.values(run.latency).reduce((sum, r) => sum + r.failed, 0) +
    (run.ttfb?.failed ?? 0) +
    (run.streams?.failed ?? 0);
  return run;
}
