/**
 * `npx tsx sidecar/bench/compare-cpu.ts [workload] [seconds] [rounds] [--entry a.js,b.js|--node-flag|ENV=value]`: a narrow A/B tool for
 * design work. It runs closed-loop load of one workload against the bare pipe, the sidecar with tracing off, with
 * Langfuse down and with tracing on, interleaved round by round, and prints the median CPU µs per request and the
 * ratio to the bare pipe measured in the same rounds. `--entry` compares several sidecar builds (e.g. a copy of
 * dist/ from before a change) with tracing on. `npm run bench` stays the reference; this only answers
 * "did this change move the cost" in a minute on a noisy machine.
 */
import path from 'node:path';
import { getText, REPO_ROOT, startBenchRig, startNodeChild, startServerProcess, waitUntilHealthy } from './children';
import type { CannonResult } from './load-worker';
import { readCpuMs } from './proc-stats';
import { createSidecarEnv, findFreePort } from './setups';
import { median } from './stats';
import { createWorkloads } from './workloads';

interface Contender {
  name: string;
  start: () => Promise<{ url: string; pid: number; stop: () => Promise<unknown> }>;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const entryIndex = args.indexOf('--entry');
  const entries = entryIndex >= 0 ? (args[entryIndex + 1] ?? '').split(',') : undefined;
  const [workloadName = 'chat', seconds = '4', roundsText = '3'] = args.filter((arg, i) => !arg.startsWith('--') && (entryIndex < 0 || i !== entryIndex + 1));
  const workload = createWorkloads().find((w) => w.name === workloadName);
  if (!workload) throw new Error(`unknown workload ${workloadName}`);
  const { proxyCpus, upstream, langfuse, loader } = await startBenchRig();
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const closedUrl = `http://127.0.0.1:${await findFreePort()}`;

  // An entry may carry Node flags and environment variables after `|` (e.g.
  // `dist/index.js|--max-semi-space-size=32|LOG_LEVEL=info`); without LOG_LEVEL it runs at the shipped default, info.
  const sidecar = (name: string, entrySpec: string, langfuseUrl: string | undefined): Contender => ({
    name,
    start: async () => {
      const port = await findFreePort();
      const [entry = '', ...extras] = entrySpec.split('|');
      const overrides: Record<string, string> = {};
      for (const extra of extras.filter((item) => /^[A-Z_]+=/.test(item))) overrides[extra.slice(0, extra.indexOf('='))] = extra.slice(extra.indexOf('=') + 1);
      const flags = extras.filter((extra) => !/^[A-Z_]+=/.test(extra));
      const env = { ...createSidecarEnv({ port, upstreamUrl, langfuseUrl, logLevel: 'info' }), ...overrides };
      const server = startServerProcess(`compare-${name.replace(/\W+/g, '-')}`, process.execPath, [...flags, path.resolve(REPO_ROOT, entry)], { cpus: proxyCpus, env });
      const url = `http://127.0.0.1:${port}`;
      await waitUntilHealthy(server, `${url}/_sidecar/health`, 15_000);
      return { url, pid: server.pid, stop: () => server.stop(15_000) };
    },
  });
  const contenders: Contender[] = [
    {
      name: 'bare pipe',
      start: async () => {
        const child = await startNodeChild('bare-proxy', { cpus: proxyCpus, env: { BENCH_UPSTREAM_URL: upstreamUrl } });
        return { url: `http://127.0.0.1:${child.port}`, pid: child.pid, stop: () => child.stop() };
      },
    },
  ];
  if (entries) {
    for (const entry of entries) contenders.push(sidecar(`tracing on: ${entry}`, entry, `http://127.0.0.1:${langfuse.port}`));
  } else {
    contenders.push(
      sidecar('sidecar, tracing off', 'dist/index.js', undefined),
      sidecar('sidecar, Langfuse down', 'dist/index.js', closedUrl),
      sidecar('sidecar, tracing on', 'dist/index.js', `http://127.0.0.1:${langfuse.port}`),
    );
  }

  const perRequest = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const rounds = Number(roundsText);
  for (let round = 0; round < rounds; round += 1) {
    for (const contender of [...contenders.slice(round % contenders.length), ...contenders.slice(0, round % contenders.length)]) {
      const target = await contender.start();
      const spec = {
        url: `${target.url}${workload.path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        body: workload.body,
        connections: workload.connections,
      };
      await loader.call<CannonResult>('cannon', { spec: { ...spec, durationSec: 1 } });
      const cpuBefore = readCpuMs(target.pid);
      const result = await loader.call<CannonResult>('cannon', { spec: { ...spec, durationSec: Number(seconds) } });
      const cpuMs = readCpuMs(target.pid) - cpuBefore;
      // Traces the sidecar dropped (queue full) make its CPU per request look cheaper than tracing is.
      const metrics = await getText(`${target.url}/_sidecar/metrics`).catch(() => ({ status: 0, body: '' }));
      const dropped = [...metrics.body.matchAll(/^sidecar_traces_dropped_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      await target.stop();
      const us = (cpuMs * 1000) / Math.max(1, result.ok);
      perRequest.get(contender.name)!.push(us);
      process.stdout.write(`round ${round + 1} ${contender.name}: ${result.rps.toFixed(0)} req/s, ${us.toFixed(0)} µs/req, ${result.failed} failed${metrics.status === 200 ? `, ${dropped} traces dropped` : ''}\n`);
    }
  }
  await Promise.all([upstream.stop(), langfuse.stop(), loader.stop()]);
  // Ratios are taken within a round (the same minute of a noisy machine), then the median across rounds.
  const bares = perRequest.get('bare pipe')!;
  process.stdout.write(`\n${workload.label}, ${rounds} rounds of ${seconds} s, median CPU per request and median of per-round ratios:\n`);
  for (const [name, values] of perRequest) {
    const ratio = median(values.map((value, round) => value / (bares[round] as number)));
    process.stdout.write(`  ${name.padEnd(40)} ${median(values).toFixed(0).padStart(5)} µs  ×bare ${ratio.toFixed(2)}  (throughput bound ${(1 / ratio).toFixed(2)} of bare)\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`compare failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
