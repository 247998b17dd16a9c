/**
 * `npx tsx sidecar/bench/profile-sidecar.ts [workload] [seconds] [--proxy-only | --down] [--info]`: runs the
 * sidecar under `node --cpu-prof` with closed-loop load of one workload (default: chat), then prints where its
 * CPU time went. --proxy-only starts it without Langfuse keys (the difference between two runs is what tracing
 * costs), --down points it at a closed port, --info logs at LOG_LEVEL=info (the default) instead of warn.
 * Uses the bench's fakes and placement; the .cpuprofile stays in .cache/bench-prof/ for a flame graph viewer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startBenchRig, startServerProcess, waitUntilHealthy } from './children';
import type { CannonResult, CannonSpec } from './load-worker';
import { createSidecarEnv, findFreePort } from './setups';
import { formatProfile, summarizeProfile } from './summarize-profile';
import { createWorkloads } from './workloads';

async function main(): Promise<void> {
  const proxyOnly = process.argv.includes('--proxy-only');
  const down = process.argv.includes('--down');
  const logLevel = process.argv.includes('--info') ? 'info' : 'warn';
  const [workloadName = 'chat', seconds = '10'] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const workload = createWorkloads().find((w) => w.name === workloadName);
  if (!workload) throw new Error(`unknown workload ${workloadName}`);
  const { proxyCpus, upstream, langfuse, loader } = await startBenchRig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = path.join(REPO_ROOT, '.cache/bench-prof', `${stamp}-${workload.name}${proxyOnly ? '-proxy-only' : down ? '-down' : ''}-${logLevel}`);
  const port = await findFreePort();
  const langfuseUrl = proxyOnly ? undefined : `http://127.0.0.1:${down ? await findFreePort() : langfuse.port}`;
  const env = createSidecarEnv({ port, upstreamUrl: `http://127.0.0.1:${upstream.port}`, langfuseUrl, logLevel });
  const sidecar = startServerProcess('sidecar-profile', process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, 'dist/index.js'], {
    cpus: proxyCpus,
    env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(sidecar, `${url}/_sidecar/health`, 15_000);
  const spec: CannonSpec = {
    url: `${url}${workload.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: workload.body,
    connections: workload.connections,
    durationSec: Number(seconds),
  };
  const result = await loader.call<CannonResult>('cannon', { spec });
  process.stdout.write(`${workload.label}: ${result.ok} requests, ${result.rps.toFixed(0)} req/s, ${result.failed} failed\n`);
  await sidecar.stop(30_000);
  await Promise.all([upstream.stop(), langfuse.stop(), loader.stop()]);
  const file = fs.readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written (did the sidecar exit cleanly?)');
  const summary = summarizeProfile(path.join(profileDir, file), REPO_ROOT);
  const where = path.relative(REPO_ROOT, path.join(profileDir, file));
  const perRequestUs = (summary.busyMs * 1000) / Math.max(1, result.ok);
  process.stdout.write(`\nProfile ${where}: ${summary.busyMs.toFixed(0)} ms busy (${perRequestUs.toFixed(0)} µs per request), ${summary.idleMs.toFixed(0)} ms idle\n\n`);
  process.stdout.write(`Self time by file or package:\n${formatProfile(summary.files, 15, result.ok)}\n\nSelf time by function:\n${formatProfile(summary.functions, 30, result.ok)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
