/**
 * Setup 5 needs a real LiteLLM Proxy: it is used when the end-to-end suite's virtualenv exists
 * (.cache/litellm-venv, built by sidecar/e2e/), and skipped with a note otherwise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LOG_DIR, REPO_ROOT, startServerProcess, waitUntilHealthy, type ServerProcess } from './children';
import { listProcessTree } from './proc-stats';
import { findFreePort } from './setups';
import { BENCH_MODEL } from './workloads';

const VENV = path.join(REPO_ROOT, '.cache/litellm-venv');

/** One running LiteLLM Proxy. */
export interface LiteLlmServer {
  url: string;
  /** The server process and any workers it forked. */
  pids(): number[];
  stop(): Promise<number | null>;
}

/** The LiteLLM servers setup 5 uses: one plain, one with its own langfuse_otel callback (when its packages are there). */
export interface LiteLlmServers {
  version: string;
  plain: LiteLlmServer;
  otel?: LiteLlmServer;
  notes: string[];
}

/** The LiteLLM version in the e2e virtualenv, or undefined when there is none. */
export function findLiteLlm(): string | undefined {
  const python = path.join(VENV, 'bin/python');
  if (!fs.existsSync(path.join(VENV, 'bin/litellm'))) return undefined;
  const probe = spawnSync(python, ['-c', "import importlib.metadata as m; print(m.version('litellm'))"], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

// The versions LiteLLM 1.110.2 pins for its proxy runtime (its `proxy-runtime` extra).
const OTEL_PACKAGES = ['opentelemetry-sdk==1.45.2', 'opentelemetry-exporter-otlp-proto-http==1.45.2'];
const OTEL_VENV = path.join(REPO_ROOT, '.cache/bench-otel-venv');

function canImportOtel(python: string): boolean {
  return spawnSync(python, ['-c', 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http'], { encoding: 'utf8' }).status === 0;
}

/**
 * The e2e virtualenv carries LiteLLM without the OpenTelemetry SDK its langfuse_otel callback needs. Rather than
 * change that shared environment, the bench makes its own small one that sees the e2e packages through a .pth
 * file and adds only the OTel packages. Returns its python, or undefined when it cannot be built.
 */
function ensureOtelPython(): string | undefined {
  const e2ePython = path.join(VENV, 'bin/python');
  if (canImportOtel(e2ePython)) return e2ePython;
  const python = path.join(OTEL_VENV, 'bin/python');
  if (fs.existsSync(python) && canImportOtel(python)) return python;
  const quiet = { stdio: 'ignore' as const };
  if (spawnSync(e2ePython, ['-m', 'venv', OTEL_VENV], quiet).status !== 0) return undefined;
  const sitePackages = (dir: string) =>
    spawnSync(dir, ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: 'utf8' }).stdout.trim();
  fs.writeFileSync(path.join(sitePackages(python), 'e2e-litellm-venv.pth'), `${sitePackages(e2ePython)}\n`);
  process.stdout.write(`Installing ${OTEL_PACKAGES.join(' ')} into ${path.relative(REPO_ROOT, OTEL_VENV)}...\n`);
  if (spawnSync(python, ['-m', 'pip', 'install', '-q', ...OTEL_PACKAGES], quiet).status !== 0) return undefined;
  return canImportOtel(python) ? python : undefined;
}

function renderConfig(withOtel: boolean): string {
  return [
    '# Written by sidecar/bench/litellm.ts for one bench run.',
    'model_list:',
    `  - model_name: ${BENCH_MODEL}`,
    '    litellm_params:',
    '      model: openai/gpt-4o-mini',
    '      api_base: os.environ/BENCH_UPSTREAM_BASE_URL',
    '      api_key: sk-fake-upstream',
    '  - model_name: bench-embed',
    '    litellm_params:',
    '      model: openai/text-embedding-3-small',
    '      api_base: os.environ/BENCH_UPSTREAM_BASE_URL',
    '      api_key: sk-fake-upstream',
    '    model_info:',
    '      mode: embedding',
    'general_settings:',
    '  master_key: os.environ/LITELLM_MASTER_KEY',
    'litellm_settings:',
    '  drop_params: true',
    '  telemetry: false',
    ...(withOtel ? ['  callbacks: ["langfuse_otel"]'] : []),
    '',
  ].join('\n');
}

async function startOne(
  name: string,
  options: { upstreamUrl: string; langfuseUrl: string; cpus?: string; withOtel: boolean; python: string },
): Promise<LiteLlmServer> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const configFile = path.join(LOG_DIR, `${name}.yaml`);
  fs.writeFileSync(configFile, renderConfig(options.withOtel));
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.join(VENV, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    // Without these LiteLLM fetches a price list from the internet at start-up (shared/README.md).
    LITELLM_OFFLINE_MODE: 'true',
    LITELLM_LOCAL_MODEL_COST_MAP: 'True',
    LITELLM_MASTER_KEY: 'sk-bench',
    BENCH_UPSTREAM_BASE_URL: `${options.upstreamUrl}/v1`,
    ...(options.withOtel
      ? { LANGFUSE_PUBLIC_KEY: 'pk-lf-bench', LANGFUSE_SECRET_KEY: 'sk-lf-bench', LANGFUSE_OTEL_HOST: options.langfuseUrl }
      : {}),
  };
  const args = [path.join(VENV, 'bin/litellm'), '--config', configFile, '--host', '127.0.0.1', '--port', String(port), '--num_workers', '1'];
  const server: ServerProcess = startServerProcess(name, options.python, args, { cpus: options.cpus, env });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(server, `${url}/health/liveliness`, 180_000);
  return { url, pids: () => listProcessTree(server.pid), stop: () => server.stop(15_000) };
}

/** Starts the LiteLLM servers pinned beside the proxy (their CPU is the cost being compared). */
export async function startLiteLlmServers(options: { upstreamUrl: string; langfuseUrl: string; cpus?: string }): Promise<LiteLlmServers> {
  const version = findLiteLlm() ?? 'unknown';
  const notes: string[] = [];
  const otelPython = ensureOtelPython();
  // Both servers run on the same Python environment, so the callback is the only difference between them.
  // (Even so, LiteLLM 1.110.2 with langfuse_otel served more calls than without it here: 61 vs 53 req/s with
  // p99 45 vs 187 ms on 2026-11-29, in two runs; see docs/performance.md.)
  const plain = await startOne('litellm-plain', { ...options, withOtel: false, python: otelPython ?? path.join(VENV, 'bin/python') });
  let otel: LiteLlmServer | undefined;
  if (otelPython) {
    try {
      otel = await startOne('litellm-otel', { ...options, withOtel: true, python: otelPython });
    } catch (error) {
      notes.push(`LiteLLM with langfuse_otel skipped: ${String(error)}`);
    }
  } else {
    notes.push(`LiteLLM with langfuse_otel skipped: could not install ${OTEL_PACKAGES.join(' ')} into ${OTEL_VENV}`);
  }
  return { version, plain, otel, notes };
}
