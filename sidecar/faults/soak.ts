/**
 * `npm run soak [-- --duration=SECONDS] [-- --short]`: mixed load against a real sidecar process for a while
 * (default 60 s; --short is the 15 s CI version), sampling its post-GC heap and RSS, reporting their slopes,
 * and exiting 1 on sustained growth, on a client-visible failure, or on a secret in a trace or log line.
 * Options: --duration=S, --short, --concurrency=N (16), --heap-slope-limit=MB/min (5), --rss-slope-limit=MB/min (20),
 * --preload=FILE (required into the sidecar: e.g. a deliberate leak, to check that the soak catches one).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSidecar } from './support/build';
import { RESULTS_DIR } from './support/paths';
import { runSoak, type SoakResult } from './support/soak-run';

function readArg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** The summary printed and written to bench-results/soak-summary.md. */
export function renderSoakSummary(result: SoakResult, durationS: number): string {
  const kinds = Object.entries(result.byKind).map(([kind, count]) => `${kind} ${count}`).join(', ');
  return [
    `Soak: ${durationS} s measured, ${result.requests} requests in all (${result.ratePerS.toFixed(0)}/s; ${kinds}), ${result.failures} client-visible failures`,
    '',
    `| measure (after a ${result.warmupS.toFixed(0)} s warm-up) | start | end | slope (MB/min) | last third − first third (MB) |`,
    '|---|---:|---:|---:|---:|',
    `| heap used after GC (MB) | ${result.heap.startMB.toFixed(1)} | ${result.heap.endMB.toFixed(1)} | ${result.heap.slopeMBPerMin.toFixed(2)} | ${result.heap.thirdsGrowthMB.toFixed(2)} |`,
    `| RSS (MB), peak ${result.rss.peakMB.toFixed(1)} | ${result.rss.startMB.toFixed(1)} | ${result.rss.endMB.toFixed(1)} | ${result.rss.slopeMBPerMin.toFixed(2)} | ${result.rss.thirdsGrowthMB.toFixed(2)} |`,
    '',
    `Traces: ${result.traces.recorded} recorded, ${result.traces.exported} exported, ${result.traces.dropped} dropped (Langfuse fails 2 s in 10); secret markers found: ${result.traces.markerHits}; exit code ${result.exitCode}.`,
    `Verdict: ${result.ok ? 'held (no sustained growth)' : `FAILED${result.growing.length ? `: growing ${result.growing.join(', ')}` : ''}`}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const durationS = process.argv.includes('--short') ? 15 : Number(readArg('duration') ?? 60);
  const options = {
    durationS,
    concurrency: Number(readArg('concurrency') ?? 16),
    sampleIntervalMs: 500,
    heapSlopeLimit: Number(readArg('heap-slope-limit') ?? 5),
    rssSlopeLimit: Number(readArg('rss-slope-limit') ?? 20),
    log: (line: string) => process.stdout.write(`${line}\n`),
    nodeArgs: readArg('preload') ? ['--require', path.resolve(readArg('preload') as string)] : undefined,
  };
  process.stdout.write(`soak: building the sidecar, then ${durationS} s of mixed load at ${options.concurrency} connections\n`);
  buildSidecar();
  const result = await runSoak(options);
  const summary = renderSoakSummary(result, durationS);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'soak-summary.md'), `${summary}\n`);
  fs.writeFileSync(path.join(RESULTS_DIR, 'soak-samples.json'), JSON.stringify(result.samples));
  process.stdout.write(`\n${summary}\n`);
  process.exit(result.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`soak failed to run: ${error.stack ?? error.message}\n`);
    process.exit(2);
  });
}
