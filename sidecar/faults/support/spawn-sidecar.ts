import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BUILD_DIR, BUILD_ENTRY } from './paths';
import { reservePort } from './fake-upstream';
import { SECRET_ENV } from './markers';
import { parsePrometheus, type MetricValues } from './prometheus';

/** Options for spawnSidecar: where it forwards and traces to, and any env override. */
export interface SpawnSidecarOptions {
  upstreamUrl: string;
  /** Omit to run without tracing (no Langfuse keys). */
  langfuseUrl?: string;
  env?: Record<string, string>;
  /** Extra node flags (e.g. `--expose-gc`, `--require` a sampler). */
  nodeArgs?: string[];
  /** Open an IPC channel (for the soak's heap sampler). */
  ipc?: boolean;
  startTimeoutMs?: number;
}

/** How the child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A sidecar running as a real child process (`node dist/index.js`), with its JSON log lines collected. */
export interface ChildSidecar {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  /** Every stdout line, parsed when it was JSON. */
  logs: Array<Record<string, unknown>>;
  /** Every stdout and stderr line, raw (for the secrets scan). */
  rawLines: string[];
  exited: Promise<ChildExit>;
  /** The /_sidecar/metrics counters, parsed. */
  metrics: () => Promise<MetricValues>;
  /** Sends SIGTERM (or `signal`) and waits for the exit, SIGKILL after `killAfterMs`. */
  stop: (signal?: NodeJS.Signals, killAfterMs?: number) => Promise<ChildExit>;
}

/** The environment a child gets: nothing inherited from jest but PATH, so the test controls every variable. */
function buildEnv(options: SpawnSidecarOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...SECRET_ENV,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LITELLM_BASE_URL: options.upstreamUrl,
    SIDECAR_EXPORT_INTERVAL_MS: '50',
  };
  if (options.langfuseUrl) env.LANGFUSE_BASE_URL = options.langfuseUrl;
  else {
    delete env.LANGFUSE_PUBLIC_KEY;
    delete env.LANGFUSE_SECRET_KEY;
  }
  return { ...env, ...options.env };
}

const QUIET_LEVELS = new Set(['warn', 'error', 'fatal', 'silent']);

/** Polls /_sidecar/health until it answers (for log levels that hide the `listening` line). */
async function waitForHealth(url: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      if ((await fetch(`${url}/_sidecar/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Spawns the compiled sidecar (built by global setup) and waits for its `listening` line to learn the port;
 * at a log level that hides that line, the port is reserved beforehand and /_sidecar/health is polled.
 */
export async function spawnSidecar(options: SpawnSidecarOptions): Promise<ChildSidecar> {
  const env = buildEnv(options);
  const quiet = QUIET_LEVELS.has(env.LOG_LEVEL ?? 'info');
  if (quiet && env.PORT === '0') env.PORT = String(await reservePort());
  // cwd is the build dir: index.ts loads dotenv, and a developer's .env must not leak into the test.
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BUILD_ENTRY], {
    cwd: BUILD_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const logs: Array<Record<string, unknown>> = [];
  const rawLines: string[] = [];
  const exited = new Promise<ChildExit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let onListening: ((port: number) => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    rawLines.push(line);
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      logs.push(parsed);
      if (parsed.msg === 'listening' && typeof parsed.port === 'number') onListening?.(parsed.port);
    } catch {
      // not JSON (should not happen with LOG_FORMAT=json): kept raw for the scan
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => rawLines.push(line));

  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const port = await Promise.race([
    quiet ? waitForHealth(`http://127.0.0.1:${env.PORT}`, exited).then(() => Number(env.PORT)) : new Promise<number>((resolve) => (onListening = resolve)),
    exited.then((exit) => Promise.reject(new Error(`sidecar exited (${exit.code ?? exit.signal}) before logging "listening":\n${rawLines.join('\n')}`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`sidecar did not log "listening" within ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  }).finally(() => clearTimeout(timer));

  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    pid: child.pid as number,
    url,
    port,
    logs,
    rawLines,
    exited,
    metrics: async () => parsePrometheus(await (await fetch(`${url}/_sidecar/metrics`)).text()),
    stop: async (signal = 'SIGTERM', killAfterMs = 30_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const exit = await exited;
      clearTimeout(kill);
      return exit;
    },
  };
}
