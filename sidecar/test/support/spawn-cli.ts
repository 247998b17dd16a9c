import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The sidecar running as its own process, as `npm start` runs it, with its output collected. */
export interface CliProcess {
  child: ChildProcess;
  /** stdout lines parsed as JSON (pino's lines); non-JSON lines are kept as `{ raw }`. */
  lines: Array<Record<string, unknown>>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line `match` accepts (already seen or still to come). */
  waitForLine: (match: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ENTRY = join(__dirname, '..', '..', 'src', 'index.ts');

/**
 * Starts `sidecar/src/index.ts` under tsx in a child process (the same code `npm run build` compiles), with
 * only `env` and PATH in its environment and a temporary working directory, so no `.env` file leaks in.
 */
export function spawnCli(env: Record<string, string>): CliProcess {
  const loader = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', loader, ENTRY], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let partial = '';
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    partial += chunk.toString('utf8');
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) {
      if (!text) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { raw: text };
      }
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if ((waiters[i] as (typeof waiters)[number]).match(line)) (waiters.splice(i, 1)[0] as (typeof waiters)[number]).resolve(line);
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    stdout: () => out,
    stderr: () => err,
    waitForLine: (match, what, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(match);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`no ${what} line from the sidecar within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          const late = lines.find(match);
          if (late) resolve(late);
          else reject(new Error(`the sidecar exited without a ${what} line; stdout: ${out}; stderr: ${err}`));
        });
      }),
    exited,
  };
}
