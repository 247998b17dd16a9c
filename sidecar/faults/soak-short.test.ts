/**
 * The soak's short CI version (10 s warm-up, 15 s measured; `npm run soak` runs 60 s): mixed load against a real sidecar
 * process with its post-GC heap and RSS sampled; sustained growth, a client-visible failure or a leaked
 * secret fails the test.
 */
import { recordRow } from './support/results';
import { runSoak } from './support/soak-run';

test('soak, short: no sustained heap or RSS growth under 15 s of mixed load', async () => {
  const result = await runSoak({ durationS: 15, concurrency: 16, sampleIntervalMs: 500, heapSlopeLimit: 5, rssSlopeLimit: 20, log: () => undefined });
  recordRow({
    family: 'soak',
    fault: 'mixed load 15 s (JSON, SSE, errors, aborts, 200 KB bodies; Langfuse failing 2 s in 10)',
    requests: result.requests,
    failures: result.failures,
    rssPeakMB: result.rss.peakMB,
    note: `heap after GC ${result.heap.startMB.toFixed(1)} → ${result.heap.endMB.toFixed(1)} MB (${result.heap.slopeMBPerMin.toFixed(2)} MB/min), RSS ${result.rss.startMB.toFixed(0)} → ${result.rss.endMB.toFixed(0)} MB (${result.rss.slopeMBPerMin.toFixed(1)} MB/min, thirds ${result.rss.thirdsGrowthMB.toFixed(1)} MB); ${result.growing.join(', ') || 'no sustained growth'}; ${result.traces.dropped} traces dropped in the Langfuse windows`,
    ok: result.ok,
  });
  expect(result.failures).toBe(0);
  expect(result.growing).toEqual([]);
  expect(result.traces.markerHits).toBe(0);
  expect(result.exitCode).toBe(0);
}, 90_000);
