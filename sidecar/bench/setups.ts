/**
 * The setups of the benchmark issue: what sits between the load generator and the fake upstream.
 * Each setup starts fresh for every round and reports the processes whose CPU and memory count as its cost.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT, startNodeChild, startServerProcess, waitUntilHealthy } from './children';
import type { LiteLlmServers } from './litellm';
import type { WorkloadName } from './workloads';

/** Where processes run: the proxy under test alone on one set of CPUs, everything else on the other. */
export interface Placement {
  proxyCpus?: string;
  otherCpus?: string;
}

/** What every setup can reach: the shared fakes and, when present, the shared LiteLLM servers. */
export interface SetupContext {
  placement: Placement;
  upstreamUrl: string;
  langfuseUrl: string;
  /** A URL where nothing listens: "Langfuse down". */
  closedUrl: string;
  litellm?: LiteLlmServers;
}

/** A started setup. */
export interface Target {
  url: string;
  /** The processes whose CPU time and RSS are this setup's cost (empty for the direct setup). */
  pids: number[];
  /** The sidecar's Prometheus endpoint, read once before it stops. */
  metricsUrl?: string;
  /** Stops what the setup started; resolves with the sidecar's exit code where there is one. */
  stop(): Promise<number | null | undefined>;
}

/** How a setup's traces are expected to arrive at the fake Langfuse. */
export type Exporting = 'none' | 'up' | 'down';

/** One way of serving the load. */
export interface Setup {
  name: string;
  label: string;
  workloads: WorkloadName[];
  /** Run the time-to-first-byte and the 200-open-streams measurements too. */
  streams: boolean;
  exporting: Exporting;
  /** Whether traces received must equal requests forwarded (the sidecar's contract). */
  checkTraces: boolean;
  /** Overrides every workload's concurrency, open-loop rate and throughput duration (LiteLLM serves ~100 req/s, not thousands). */
  load?: { connections: number; rate: number; throughputSec: number };
  start(context: SetupContext, runName: string): Promise<Target>;
}

const ALL_WORKLOADS: WorkloadName[] = ['chat', 'stream', 'body-1mib', 'embeddings'];
const SIDECAR_ENTRY = path.join(REPO_ROOT, 'dist/index.js');

/** Finds a port where nothing listens (bound and released at once): for "Langfuse down", and for LiteLLM to bind. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether the built sidecar exists (dist/index.js). */
export function hasSidecarBuild(): boolean {
  return fs.existsSync(SIDECAR_ENTRY);
}

/** The sidecar's whole environment for a bench run (nothing inherited but PATH); no langfuseUrl = proxy only. */
export function createSidecarEnv(options: { port: number; upstreamUrl: string; langfuseUrl?: string; logLevel: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    LITELLM_BASE_URL: options.upstreamUrl,
    ...(options.langfuseUrl
      ? { LANGFUSE_PUBLIC_KEY: 'pk-lf-bench', LANGFUSE_SECRET_KEY: 'sk-lf-bench', LANGFUSE_BASE_URL: options.langfuseUrl }
      : {}),
    LOG_LEVEL: options.logLevel,
    ...(process.env.BENCH_SIDECAR_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SIDECAR_NODE_OPTIONS } : {}),
    LOG_FORMAT: 'json',
    SIDECAR_SHUTDOWN_GRACE_MS: '10000',
  };
}

async function startBarePipe(context: SetupContext, upstreamUrl: string): Promise<Target> {
  const child = await startNodeChild('bare-proxy', { cpus: context.placement.proxyCpus, env: { BENCH_UPSTREAM_URL: upstreamUrl } });
  // Its exit code is not a figure: only the sidecar's SIGTERM drain is checked.
  return { url: `http://127.0.0.1:${child.port}`, pids: [child.pid], stop: async () => void (await child.stop()) };
}

async function startSidecar(
  context: SetupContext,
  runName: string,
  options: { upstreamUrl: string; langfuseUrl?: string; logLevel: string; env?: Record<string, string> },
): Promise<Target> {
  // The port is chosen here rather than read from the "listening" line: that line is info level,
  // and the bench runs the sidecar at warn so per-request logs do not dominate the figures.
  const port = await findFreePort();
  const env = { ...createSidecarEnv({ port, ...options }), ...options.env };
  const server = startServerProcess(runName, process.execPath, [SIDECAR_ENTRY], { cpus: context.placement.proxyCpus, env });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(server, `${url}/_sidecar/health`, 15_000);
  return { url, pids: [server.pid], metricsUrl: `${url}/_sidecar/metrics`, stop: () => server.stop(15_000) };
}

function sidecarSetup(name: string, label: string, options: { down?: boolean; off?: boolean; logLevel?: string; workloads?: WorkloadName[]; env?: Record<string, string> }): Setup {
  return {
    name,
    label,
    workloads: options.workloads ?? ALL_WORKLOADS,
    streams: options.workloads === undefined,
    exporting: options.off ? 'none' : options.down ? 'down' : 'up',
    checkTraces: !options.down && !options.off,
    start: (context, runName) =>
      startSidecar(context, runName, {
        upstreamUrl: context.upstreamUrl,
        langfuseUrl: options.off ? undefined : options.down ? context.closedUrl : context.langfuseUrl,
        // The shipped default (LOG_LEVEL=info, one access-log line per call): headline figures are for the defaults.
        logLevel: options.logLevel ?? 'info',
        env: options.env,
      }),
  };
}

/** Setups 1-4 at the shipped defaults (and the sidecar with its access log off), in table order. */
export function createCoreSetups(options: { withSidecar: boolean; infoRun: boolean }): Setup[] {
  const setups: Setup[] = [
    {
      name: 'direct',
      label: '1. upstream directly',
      workloads: ALL_WORKLOADS,
      streams: true,
      exporting: 'none',
      checkTraces: false,
      start: async (context) => ({ url: context.upstreamUrl, pids: [], stop: async () => undefined }),
    },
    {
      name: 'bare-pipe',
      label: '2. bare Node pipe',
      workloads: ALL_WORKLOADS,
      streams: true,
      exporting: 'none',
      checkTraces: false,
      start: (context) => startBarePipe(context, context.upstreamUrl),
    },
  ];
  if (!options.withSidecar) return setups;
  setups.push(
    sidecarSetup('sidecar', '3. sidecar, tracing on', {}),
    sidecarSetup('sidecar-down', '4. sidecar, Langfuse down', { down: true }),
    // Not a setup of the issue: the sidecar without Langfuse keys only forwards, so 3 minus this is what tracing costs.
    sidecarSetup('sidecar-off', '4o. sidecar, tracing off', { off: true, workloads: ['chat'] }),
  );
  if (options.infoRun) {
    // Not a default: the access log off, to show what one log line per call costs.
    setups.push(sidecarSetup('sidecar-warn', '3w. sidecar, LOG_LEVEL=warn (not default)', { logLevel: 'warn', workloads: ['chat'] }));
    // Not a default: gzip export bodies (issue 14), to weigh their CPU against the bytes they save.
    setups.push(sidecarSetup('sidecar-gzip', '3g. sidecar, OTEL_EXPORTER_OTLP_COMPRESSION=gzip (not default)', { env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, workloads: ['chat', 'body-1mib'] }));
  }
  return setups;
}

/** Setup 5: LiteLLM alone, the sidecar in front of it, a bare pipe in front of it, and LiteLLM with its own langfuse_otel callback. */
export function createLiteLlmSetups(): Setup[] {
  // Small chat only: the targets compare throughput, and LiteLLM's ~10 ms per call makes every phase long.
  const common = { workloads: ['chat'] as WorkloadName[], streams: false, load: { connections: 16, rate: 20, throughputSec: 6 } };
  return [
    {
      ...common,
      name: 'litellm',
      label: '5a. LiteLLM directly',
      exporting: 'none',
      checkTraces: false,
      start: async (context) => {
        const litellm = context.litellm!.plain;
        return { url: litellm.url, pids: litellm.pids(), stop: async () => undefined };
      },
    },
    {
      ...common,
      name: 'sidecar+litellm',
      label: '5b. sidecar -> LiteLLM',
      exporting: 'up',
      checkTraces: true,
      start: async (context, runName) => {
        const litellm = context.litellm!.plain;
        const sidecar = await startSidecar(context, runName, { upstreamUrl: litellm.url, langfuseUrl: context.langfuseUrl, logLevel: 'info' });
        return { ...sidecar, pids: [...sidecar.pids, ...litellm.pids()] };
      },
    },
    {
      // The yardstick for 5b: what any Node proxy on the same CPU costs LiteLLM.
      ...common,
      name: 'bare+litellm',
      label: '5d. bare pipe -> LiteLLM',
      exporting: 'none',
      checkTraces: false,
      start: async (context) => {
        const litellm = context.litellm!.plain;
        const pipe = await startBarePipe(context, litellm.url);
        return { ...pipe, pids: [...pipe.pids, ...litellm.pids()] };
      },
    },
    {
      ...common,
      name: 'litellm+otel',
      label: '5c. LiteLLM + langfuse_otel',
      exporting: 'up',
      checkTraces: false,
      start: async (context) => {
        const litellm = context.litellm!.otel;
        if (!litellm) throw new Error('LiteLLM with langfuse_otel did not start');
        return { url: litellm.url, pids: litellm.pids(), stop: async () => undefined };
      },
    },
  ];
}
