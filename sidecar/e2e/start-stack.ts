import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startFakeLangfuse, type FakeLangfuse } from './fake-langfuse';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai';
import { spawnLogged, waitForHttpOk, type LoggedProcess } from './spawn-process';

/** The repository root (sidecar/e2e/../..). */
export const REPO_ROOT = resolve(__dirname, '../..');

/** The master key the test LiteLLM is started with. */
export const MASTER_KEY = 'sk-e2e-master-key';

/** Langfuse credentials the sidecar is given; the fake Langfuse records the Basic auth it receives. */
export const LANGFUSE_KEYS = { publicKey: 'pk-lf-e2e', secretKey: 'sk-lf-e2e' };

/** Generous: on a loaded 2-core machine the sidecar has been seen to take over 10 s to log `listening`. */
const SIDECAR_START_TIMEOUT_MS = 60_000;

/** LiteLLM imports for ~10 s on an idle machine and was seen to take ~60 s on a loaded one. */
const LITELLM_START_TIMEOUT_MS = 180_000;

/** Waits for a start-up promise, failing early if the process exits and late at the deadline. */
async function withDeadline<T>(promise: Promise<T>, proc: LoggedProcess, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const exited = proc.exited.then((code): never => {
    throw new Error(`${what}: it exited with ${code}`);
  });
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the test files need to reach the stack; passed to them through environment variables. */
export interface StackInfo {
  litellmUrl: string;
  sidecarUrl?: string;
  sidecarError?: string;
  fakeOpenAiUrl: string;
  fakeLangfuseUrl: string;
  logDir: string;
  litellmStartMs: number;
  sidecarStartMs?: number;
}

/** Everything started by startStack, for stopStack. */
export interface RunningStack {
  info: StackInfo;
  fakeOpenAi: FakeOpenAi;
  fakeLangfuse: FakeLangfuse;
  litellm: LoggedProcess;
  sidecar?: LoggedProcess;
}

/** Extra settings for a LiteLLM or sidecar started beside the shared stack (its own log file, other flags). */
export interface StartVariant {
  /** Log file name in the log directory. */
  logName?: string;
  /** LiteLLM command-line flags replacing the stack's `--num_workers 1`. */
  litellmArgs?: string[];
  /** Extra environment for the sidecar (its settings under test). */
  env?: Record<string, string>;
}

/** Starts LiteLLM Proxy from the e2e virtualenv with the test config, on 127.0.0.1 and offline. */
export async function startLitellm(fakeOpenAiUrl: string, logDir: string, variant: StartVariant = {}): Promise<{ proc: LoggedProcess; url: string }> {
  const bin = process.env.E2E_LITELLM_BIN ?? join(REPO_ROOT, '.cache/litellm-venv/bin/litellm');
  if (!existsSync(bin)) throw new Error(`LiteLLM not found at ${bin}: run the suite with npm run test:e2e, which builds the venv`);
  // Port 0 and the port uvicorn reports: a port picked beforehand could be taken by another process
  // on a busy machine before LiteLLM binds it, and the health check would then ask the wrong server.
  let onPort: (port: number) => void = () => undefined;
  const portFound = new Promise<number>((found) => (onPort = found));
  const proc = spawnLogged({
    command: bin,
    args: ['--config', join(__dirname, 'litellm-config.yaml'), '--host', '127.0.0.1', '--port', '0', ...(variant.litellmArgs ?? ['--num_workers', '1'])],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LITELLM_MASTER_KEY: MASTER_KEY,
      FAKE_OPENAI_BASE_URL: fakeOpenAiUrl,
      // LiteLLM's native pass-through routes (/gemini, /anthropic) forward to these, with these provider keys.
      GEMINI_API_BASE: fakeOpenAiUrl,
      GEMINI_API_KEY: 'fake-gemini-provider-key',
      ANTHROPIC_API_BASE: fakeOpenAiUrl,
      ANTHROPIC_API_KEY: 'sk-ant-fake-provider-key',
      E2E_LITELLM_RECORD_FILE: join(logDir, 'litellm-received.jsonl'),
      DISABLE_ADMIN_UI: 'True',
      // Without these LiteLLM fetches its price list from the internet at start-up.
      LITELLM_OFFLINE_MODE: 'true',
      LITELLM_LOCAL_MODEL_COST_MAP: 'True',
      LITELLM_LOG: 'INFO',
      // Line-buffered output, so the log file shows start-up progress (stdout to a pipe is block-buffered).
      PYTHONUNBUFFERED: '1',
      // No proxy settings from the host: every call stays on loopback.
      NO_PROXY: '127.0.0.1,localhost',
    },
    logFile: join(logDir, variant.logName ?? 'litellm.log'),
    onLine: (line) => {
      const match = /Uvicorn running on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (match) onPort(Number(match[1]));
    },
  });
  try {
    const port = await withDeadline(portFound, proc, LITELLM_START_TIMEOUT_MS, 'LiteLLM did not report its port');
    const url = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${url}/health/liveliness`, proc, 30_000);
    return { proc, url };
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
}

/** Starts the built sidecar CLI with PORT=0 and reads its port from the `listening` log line. */
export async function startSidecar(litellmUrl: string, langfuseUrl: string, logDir: string, variant: StartVariant = {}): Promise<{ proc: LoggedProcess; url: string }> {
  const entry = join(REPO_ROOT, 'dist/index.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);
  let onPort: (port: number) => void = () => undefined;
  const portFound = new Promise<number>((found) => (onPort = found));
  const proc = spawnLogged({
    command: process.execPath,
    args: [entry],
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      LITELLM_BASE_URL: litellmUrl,
      LANGFUSE_BASE_URL: langfuseUrl,
      LANGFUSE_PUBLIC_KEY: LANGFUSE_KEYS.publicKey,
      LANGFUSE_SECRET_KEY: LANGFUSE_KEYS.secretKey,
      LANGFUSE_TRACING_ENVIRONMENT: 'e2e',
      SIDECAR_EXPORT_INTERVAL_MS: '50',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      ...variant.env,
    },
    logFile: join(logDir, variant.logName ?? 'sidecar.log'),
    onLine: (line) => {
      try {
        const parsed = JSON.parse(line) as { msg?: string; port?: number };
        if (parsed.msg === 'listening' && typeof parsed.port === 'number') onPort(parsed.port);
      } catch {
        // Not a JSON line.
      }
    },
  });
  try {
    const port = await withDeadline(portFound, proc, SIDECAR_START_TIMEOUT_MS, 'the sidecar did not log "listening"');
    return { proc, url: `http://127.0.0.1:${port}` };
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
}

/** Starts the fakes, LiteLLM and the sidecar. A sidecar that cannot start is recorded, not thrown, so the direct-to-LiteLLM tests still run. */
export async function startStack(): Promise<RunningStack> {
  const logDir = process.env.E2E_LOG_DIR ?? join(REPO_ROOT, '.cache/e2e-logs');
  mkdirSync(logDir, { recursive: true });
  for (const file of ['litellm.log', 'sidecar.log', 'litellm-received.jsonl']) rmSync(join(logDir, file), { force: true });
  const fakeOpenAi = await startFakeOpenAi();
  const fakeLangfuse = await startFakeLangfuse();
  const litellmStarted = Date.now();
  const litellm = await startLitellm(fakeOpenAi.url, logDir);
  const info: StackInfo = {
    litellmUrl: litellm.url,
    fakeOpenAiUrl: fakeOpenAi.url,
    fakeLangfuseUrl: fakeLangfuse.url,
    logDir,
    litellmStartMs: Date.now() - litellmStarted,
  };
  const stack: RunningStack = { info, fakeOpenAi, fakeLangfuse, litellm: litellm.proc };
  const sidecarStarted = Date.now();
  try {
    const sidecar = await startSidecar(litellm.url, fakeLangfuse.url, logDir);
    stack.sidecar = sidecar.proc;
    info.sidecarUrl = sidecar.url;
    info.sidecarStartMs = Date.now() - sidecarStarted;
  } catch (error) {
    info.sidecarError = error instanceof Error ? error.message : String(error);
  }
  return stack;
}

/** Stops everything startStack started; the sidecar gets SIGTERM and must exit 0 after draining. */
export async function stopStack(stack: RunningStack): Promise<{ sidecarExit?: number | null }> {
  const sidecarExit = stack.sidecar ? await stack.sidecar.stop('SIGTERM', 30_000) : undefined;
  await stack.litellm.stop('SIGTERM', 10_000);
  await stack.fakeOpenAi.close();
  await stack.fakeLangfuse.close();
  return { sidecarExit };
}

/** Reads the sidecar's JSON log lines (the access log has durationMs, litellmOverheadMs, callId, traceId). */
export function readSidecarLog(logDir: string): Record<string, unknown>[] {
  const path = join(logDir, 'sidecar.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}
