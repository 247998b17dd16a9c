/**
 * Starting and stopping the bench's processes: the Node children (fakes, bare proxy, load generator) talk
 * over IPC; the sidecar and LiteLLM are plain processes whose output goes to a log file.
 * Every process can be pinned to CPUs with taskset so the proxy under test does not share a core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import type { Command, ReadyMessage, Reply } from './ipc';

/** The repository root (this file is sidecar/bench/children.ts). */
export const REPO_ROOT = path.resolve(__dirname, '../..');
const BUILD_DIR = path.join(REPO_ROOT, '.cache/bench-build');
/** Where the sidecar's and LiteLLM's logs go during a run (git-ignored). */
export const LOG_DIR = path.join(REPO_ROOT, '.cache/bench-logs');

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/** Whether processes can be pinned to CPUs on this machine. */
export function canPin(): boolean {
  return hasTaskset;
}

/**
 * Transpiles the bench's own scripts to plain CommonJS, so the children run on bare `node`: under tsx their
 * memory and CPU figures would include its loader, and the bare pipe is meant to be the least a proxy costs.
 */
export function buildChildScripts(): void {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.ts'))) {
    const source = fs.readFileSync(path.join(__dirname, file), 'utf8');
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    fs.writeFileSync(path.join(BUILD_DIR, file.replace(/\.ts$/, '.js')), output.outputText);
  }
}

function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus !== undefined && hasTaskset ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
}

/** Waits for a process to exit, sending SIGKILL after `graceMs`; resolves with its exit code (null when killed). */
function stopProcess(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** A running Node child of the bench, answering commands over IPC. */
export interface NodeChild {
  pid: number;
  port?: number;
  call<T>(type: string, payload?: Record<string, unknown>): Promise<T>;
  stop(): Promise<number | null>;
}

/** Starts one of the bench's scripts (e.g. 'fake-upstream') with node, pinned to `cpus`, and waits until it is ready. */
export function startNodeChild(script: string, options: { cpus?: string; env?: NodeJS.ProcessEnv } = {}): Promise<NodeChild> {
  const [command, args] = pinned(options.cpus, process.execPath, [path.join(BUILD_DIR, `${script}.js`)]);
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited`));
    pending.clear();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 10 s`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.on('message', (message: Reply | ReadyMessage) => {
      if ('type' in message && message.type === 'ready') {
        clearTimeout(timer);
        resolve({
          pid: child.pid!,
          port: message.port,
          call: <T>(type: string, payload: Record<string, unknown> = {}) =>
            new Promise<T>((resolveCall, rejectCall) => {
              const id = nextId++;
              pending.set(id, { resolve: resolveCall as (value: unknown) => void, reject: rejectCall });
              child.send({ ...payload, id, type } satisfies Command);
            }),
          stop: () => stopProcess(child, 'SIGTERM', 5_000),
        });
        return;
      }
      const reply = message as Reply;
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(reply.error));
    });
  });
}

/** A running server process (the sidecar, LiteLLM) whose output goes to `logFile`. */
export interface ServerProcess {
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts a server process pinned to `cpus`, its stdout and stderr in a log file so it never blocks on a full pipe. */
export function startServerProcess(
  name: string,
  command: string,
  args: string[],
  options: { cpus?: string; env: NodeJS.ProcessEnv; cwd?: string },
): ServerProcess {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const log = fs.openSync(logFile, 'w');
  const [pinnedCommand, pinnedArgs] = pinned(options.cpus, command, args);
  const child = spawn(pinnedCommand, pinnedArgs, { env: options.env, cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { pid: child.pid!, logFile, exited, stop: (graceMs = 30_000) => stopProcess(child, 'SIGTERM', graceMs) };
}

/**
 * GETs a URL on a fresh connection. Never pooled (fetch and Node's global agent keep connections alive): a port
 * freed by one sidecar is often handed to the next, and a pooled socket to the dead one fails the request.
 */
export function getText(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (body += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

function answersOk(url: string): Promise<boolean> {
  return getText(url, 2_000).then(
    (response) => response.status === 200,
    () => false,
  );
}

/** Polls a health URL until it answers 200; fails with the log's tail when the process exits or time runs out. */
export async function waitUntilHealthy(server: ServerProcess, url: string, timeoutMs: number): Promise<void> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!(await answersOk(url))) {
    if (exited || Date.now() > deadline) {
      if (!exited) await server.stop(5_000);
      const tail = fs.readFileSync(server.logFile, 'utf8').slice(-2000);
      throw new Error(`${path.basename(server.logFile)}: ${url} never answered 200 (${exited ? 'process exited' : 'timed out'}):\n${tail}`);
    }
    await sleep(100);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The fakes and load generator of a narrow bench tool, placed as the bench places them. */
export interface BenchRig {
  /** CPUs for the proxy under test (undefined when not pinned). */
  proxyCpus?: string;
  upstream: NodeChild;
  langfuse: NodeChild;
  loader: NodeChild;
}

/**
 * For the narrow tools (profile-sidecar.ts, compare-cpu.ts): builds the child scripts and starts the fake
 * upstream, the fake Langfuse and the load generator, with the bench's placement: the proxy under test alone
 * on CPU 0, everything else on CPU 1 (when there are two and taskset exists).
 */
export async function startBenchRig(): Promise<BenchRig> {
  buildChildScripts();
  const pin = canPin() && os.cpus().length >= 2;
  const [proxyCpus, otherCpus] = pin ? ['0', '1'] : [undefined, undefined];
  const upstream = await startNodeChild('fake-upstream', { cpus: otherCpus });
  const langfuse = await startNodeChild('fake-langfuse', { cpus: otherCpus });
  const loader = await startNodeChild('load-worker', { cpus: otherCpus });
  return { proxyCpus, upstream, langfuse, loader };
}
