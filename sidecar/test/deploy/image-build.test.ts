import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { readDockerfile, readExecForm, type DockerInstruction } from './helpers/dockerfile';
import { REPO_ROOT } from './helpers/repo-files';

// No Docker engine runs here, so this test replays the sidecar Dockerfile outside Docker:
// the build stage's COPY and RUN steps in a temporary /app, the runtime stage's COPY --from,
// ENV and CMD in a second one, then checks the result starts, answers its health check
// (with the Dockerfile's own HEALTHCHECK command) and stops cleanly on SIGTERM.
// It reuses the npm cache (prefer-offline): one to two minutes, mostly `npm ci`.

const STEP_TIMEOUT_MS = 240_000;
const { stages } = readDockerfile('Dockerfile');
const buildStage = stages.find((stage) => stage.name === 'build');
const runtimeStage = stages.at(-1);

/** Splits `COPY [--from=x] src... dest` into its parts. */
function readCopy(instruction: DockerInstruction): { from?: string; sources: string[]; dest: string } {
  const parts = instruction.args.split(/\s+/);
  const from = parts[0]?.startsWith('--from=') ? parts.shift()?.slice('--from='.length) : undefined;
  if (parts.some((part) => part.startsWith('--'))) throw new Error(`COPY flag not replayed here: ${instruction.args}`);
  const dest = parts.pop() ?? '';
  return { from, sources: parts, dest };
}

/** Copies `sources` (relative to `fromRoot`, or absolute /app paths) to `dest` inside `toRoot`, as COPY does. */
function replayCopy(fromRoot: string, toRoot: string, sources: string[], dest: string): void {
  const destPath = join(toRoot, dest.replace(/^\/app\/?/, ''));
  for (const source of sources) {
    const sourcePath = join(fromRoot, source.replace(/^\/app\/?/, ''));
    const isDir = statSync(sourcePath).isDirectory();
    const target = dest.endsWith('/') && !isDir ? join(destPath, source.split('/').pop() ?? source) : destPath;
    mkdirSync(dirname(target), { recursive: true });
    cpSync(sourcePath, target, { recursive: true });
  }
}

/** Total size in bytes of a directory tree. */
function measureBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + measureBytes(join(path, entry)), 0);
}

/** The environment a RUN step or the container sees: only PATH and HOME from outside, so no local setting leaks in. */
function createCleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

/** Reads `KEY=value` pairs of ENV instructions. */
function readEnvInstructions(instructions: DockerInstruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of instructions.filter((item) => item.keyword === 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const [key, ...value] = pair.split('=');
      if (key) env[key] = value.join('=');
    }
  }
  return env;
}

/** Resolves with the port from the sidecar's `listening` log line. */
function waitForListening(child: ChildProcess, output: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') resolve(entry.port);
      } catch {
        // not a JSON log line
      }
    });
    child.once('exit', (code) => reject(new Error(`sidecar exited (${code}) before listening:\n${output.join('\n')}`)));
  });
}

describe('the sidecar image build steps, replayed outside Docker', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'sidecar-image-'));
  const buildDir = join(workDir, 'build', 'app');
  const runtimeDir = join(workDir, 'runtime', 'app');
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  it('builds with npm ci, npm run build and npm prune, starts from CMD, passes its HEALTHCHECK and exits 0 on SIGTERM', async () => {
    if (!buildStage || !runtimeStage || buildStage === runtimeStage) throw new Error('Dockerfile needs a `build` stage and a runtime stage');
    mkdirSync(buildDir, { recursive: true });
    mkdirSync(runtimeDir, { recursive: true });

    // Build stage: COPY from the repository, RUN only npm commands (anything else is not replayable here).
    for (const instruction of buildStage.instructions) {
      if (instruction.keyword === 'COPY') {
        const { sources, dest } = readCopy(instruction);
        replayCopy(REPO_ROOT, buildDir, sources, dest);
      } else if (instruction.keyword === 'RUN') {
        expect(instruction.args).toMatch(/^npm [\w =./-]+( && npm [\w =./-]+)*$/);
        const run = spawnSync('sh', ['-c', instruction.args], {
          cwd: buildDir,
          encoding: 'utf8',
          timeout: STEP_TIMEOUT_MS,
          env: createCleanEnv({ npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', npm_config_cache: join(process.env.HOME ?? tmpdir(), '.npm') }),
        });
        expect({ step: instruction.args, status: run.status, stderr: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({
          step: instruction.args,
          status: 0,
          stderr: '',
        });
      }
    }

    // Runtime stage: COPY --from=build; its RUN steps only strip tooling out of /usr/local and /opt.
    for (const instruction of runtimeStage.instructions) {
      if (instruction.keyword === 'COPY') {
        const { from, sources, dest } = readCopy(instruction);
        expect(from).toBe('build');
        replayCopy(buildDir, runtimeDir, sources, dest);
      } else if (instruction.keyword === 'RUN') {
        expect(instruction.args).toMatch(/^rm -rf( \/(usr\/local|opt)\/\S+)+$/);
      }
    }
    expect(existsSync(join(runtimeDir, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(runtimeDir, 'node_modules', 'jest'))).toBe(false);
    process.stderr.write(
      `image-build: runtime /app is ${(measureBytes(runtimeDir) / 1e6).toFixed(1)} MB (node_modules ${(measureBytes(join(runtimeDir, 'node_modules')) / 1e6).toFixed(1)} MB)\n`,
    );

    // Start exactly as CMD does, with the image's ENV, on a free port and an unreachable LiteLLM.
    const command = readExecForm(runtimeStage.instructions.find((instruction) => instruction.keyword === 'CMD')?.args ?? '');
    expect(command?.[0]).toBe('node');
    const env = createCleanEnv({
      ...readEnvInstructions(runtimeStage.instructions),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      LITELLM_BASE_URL: 'http://127.0.0.1:9',
    });
    const output: string[] = [];
    child = spawn(process.execPath, command?.slice(1) ?? [], { cwd: runtimeDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const port = await waitForListening(child, output);

    const response = await fetch(`http://127.0.0.1:${port}/_sidecar/health`).catch((error: Error) => {
      throw new Error(`GET /_sidecar/health failed (${error.message}: ${JSON.stringify(error.cause)}); sidecar output:\n${output.join('\n')}`);
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });

    const healthcheck = runtimeStage.instructions.find((instruction) => instruction.keyword === 'HEALTHCHECK')?.args ?? '';
    const probe = readExecForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) ?? [];
    const probeRun = spawnSync(process.execPath, probe.slice(1), { env: { ...env, PORT: String(port) }, encoding: 'utf8', timeout: 10_000 });
    expect(probeRun.status).toBe(0);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 2 * STEP_TIMEOUT_MS);
});
