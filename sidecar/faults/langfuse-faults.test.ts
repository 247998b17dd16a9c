/**
 * Langfuse faults: refused, 500, 503 with Retry-After, hang, 5-second answers and 401, each under a few
 * thousand mixed JSON/SSE calls through a real sidecar process. Client responses must be identical to the
 * healthy run, latency within 10 % of it (asserted at 1.5 on this noisy 2-core machine; the figure is
 * reported), RSS bounded, every dropped trace counted exactly (metrics and the rate-limited log line),
 * and traces must flow again once Langfuse is back, without a restart.
 */
import { startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse, type LangfuseMode } from '../test/support/fake-langfuse';
import { answerMixedChat, reservePort, startTcpRelay } from './support/fake-upstream';
import { makeMixedChatRequest, runInterleaved, runLoad, type LoadResult } from './support/load';
import { findMarkers } from './support/markers';
import { sampleRss } from './support/proc';
import { readDrops, type MetricValues } from './support/prometheus';
import { recordRow, saveEvidence } from './support/results';
import { spawnSidecar, type ChildSidecar } from './support/spawn-sidecar';
import { scaled, waitFor } from './support/wait';

// Both processes need a few thousand calls before the JIT settles; fewer and the first case measured is the slowest.
const WARMUP = scaled(1000, 200);
const REQUESTS = scaled(2000, 100);
const RECOVERY = scaled(200, 20);
const CONCURRENCY = 16;
const RATIO_TARGET = 1.1;
// The assertion is looser than the target: this 2-core machine is shared, and even interleaved runs of two
// identical healthy sidecars differ by several per cent (the first row of the table shows by how much).
const RATIO_ASSERT = 1.5;
// The export queue's own byte bound (SIDECAR_EXPORT_QUEUE_MAX_BYTES default): what a fault may add to RSS.
const QUEUE_MAX_MB = 64;
// Short export timeout for the failing modes, so each failed batch is settled in seconds, not the default 10.
const FAULT_EXPORT_TIMEOUT_MS = 2000;

interface FaultCase {
  name: string;
  mode: LangfuseMode | 'refused';
  /** All traces of the phase are expected to be dropped (export failed), or none. */
  dropsAll: boolean;
  exportTimeoutMs: number;
  /** A hint the drop warning must carry. */
  logHint?: RegExp;
}

const CASES: FaultCase[] = [
  { name: 'refused (nothing listening)', mode: 'refused', dropsAll: true, exportTimeoutMs: FAULT_EXPORT_TIMEOUT_MS },
  { name: '500 on every export', mode: 'error500', dropsAll: true, exportTimeoutMs: FAULT_EXPORT_TIMEOUT_MS },
  { name: '503 with Retry-After: 1', mode: 'unavailable503', dropsAll: true, exportTimeoutMs: FAULT_EXPORT_TIMEOUT_MS },
  { name: 'hang (never answers)', mode: 'hang', dropsAll: true, exportTimeoutMs: FAULT_EXPORT_TIMEOUT_MS },
  { name: '5-second answers', mode: { slowMs: 5000 }, dropsAll: false, exportTimeoutMs: 10_000 },
  { name: '401 wrong keys', mode: 'unauthorized401', dropsAll: true, exportTimeoutMs: FAULT_EXPORT_TIMEOUT_MS, logHint: /rejected the keys/ },
];

// Larger batches than the default 256, so a failing or 5-second Langfuse settles a phase's traces in two
// rounds of the export concurrency (2) instead of six: the suite has to fit in a CI budget.
const EXPORT_ENV = { SIDECAR_EXPORT_BATCH_SIZE: '1024', SIDECAR_EXPORT_INTERVAL_MS: '1000' };

const BLOCK = 100;

let upstream: FakeLitellm;
/**
 * The healthy reference: a sidecar tracing to a healthy fake Langfuse, started, warmed and measured together
 * with each case's sidecar, so both have the same JIT history and see the same background load.
 */
let reference: ChildSidecar;
let referenceLangfuse: FakeLangfuse;
let langfuse: FakeLangfuse;

beforeAll(async () => {
  upstream = await startFakeLitellm(answerMixedChat);
});

beforeEach(async () => {
  upstream.received.length = 0;
  langfuse = await startFakeLangfuse('ok');
  referenceLangfuse = await startFakeLangfuse('ok');
  reference = await spawnSidecar({ upstreamUrl: upstream.url, langfuseUrl: referenceLangfuse.url, env: EXPORT_ENV });
});

afterEach(async () => {
  await reference.stop('SIGKILL');
  saveEvidence('langfuse-faults', 'logs', reference.rawLines);
  saveEvidence('langfuse-faults', 'exported', [...langfuse.requests, ...referenceLangfuse.requests].map((r) => r.body));
  await langfuse.close();
  await referenceLangfuse.close();
});

afterAll(async () => {
  await upstream.close();
});

/** Warms both sidecars alike, then measures them in interleaved blocks, sampling both RSS. */
async function measureAgainstReference(sidecar: ChildSidecar): Promise<{ load: LoadResult; base: LoadResult; ratio: number; rssPeakMB: number; baseRssPeakMB: number }> {
  await runInterleaved(reference.url, sidecar.url, WARMUP, CONCURRENCY, BLOCK, (i) => makeMixedChatRequest(REQUESTS + i));
  const sampler = sampleRss(sidecar.pid);
  const baseSampler = sampleRss(reference.pid);
  const { a: base, b: load, medianBlockRatio: ratio } = await runInterleaved(reference.url, sidecar.url, REQUESTS, CONCURRENCY, BLOCK, makeMixedChatRequest);
  const rss = sampler.stop();
  const baseRss = baseSampler.stop();
  return { load, base, ratio, rssPeakMB: Math.max(rss.maxMB, rss.hwmMB), baseRssPeakMB: Math.max(baseRss.maxMB, baseRss.hwmMB) };
}

/** Waits until every recorded trace is either exported or dropped and nothing is queued. */
async function waitSettled(sidecar: ChildSidecar, timeoutMs: number): Promise<MetricValues> {
  let last: MetricValues = {};
  return waitFor(
    async () => {
      last = await sidecar.metrics();
      const recorded = last.sidecar_traces_recorded_total ?? 0;
      const settled = (last.sidecar_traces_exported_total ?? 0) + readDrops(last).exportFailed;
      return recorded > 0 && settled === recorded && last.sidecar_export_queue_length === 0 ? last : undefined;
    },
    timeoutMs,
    () => `export did not settle: ${JSON.stringify(last)}`,
    200,
  );
}

/** Counts the responses that differ from the reference's (status, body bytes, content type, call id) or lack a trace id. */
function countDifferences(load: LoadResult, base: LoadResult): number {
  let differences = 0;
  load.responses.forEach((response, i) => {
    const expected = base.responses[i];
    if (!expected || expected.status !== 200 || response.status !== expected.status || response.digest !== expected.digest || !/^[0-9a-f]{32}$/.test(response.traceId ?? '')) differences++;
  });
  return differences;
}

/** Sum of the counts in the rate-limited "traces dropped" warnings the sidecar logged. */
function sumLoggedDrops(sidecar: ChildSidecar): { total: number; lines: Array<Record<string, unknown>> } {
  const lines = sidecar.logs.filter((l) => typeof l.msg === 'string' && l.msg.includes('traces dropped'));
  let total = 0;
  for (const line of lines) for (const count of Object.values((line.counts ?? {}) as Record<string, number>)) total += count;
  return { total, lines };
}

test('no fault: a second healthy sidecar against the reference gives the noise floor of the ratio', async () => {
  const sidecar = await spawnSidecar({ upstreamUrl: upstream.url, langfuseUrl: langfuse.url, env: EXPORT_ENV });
  try {
    const { load, base, ratio, rssPeakMB } = await measureAgainstReference(sidecar);
    const metrics = await waitSettled(sidecar, 30_000);
    const exported = metrics.sidecar_traces_exported_total ?? 0;
    const traceIds = new Set(langfuse.spans().map((s) => s.traceId));
    const missing = load.responses.filter((r) => !r.traceId || !traceIds.has(r.traceId)).length;
    const failures = countDifferences(load, base) + load.errors + base.errors + missing;
    const exit = await sidecar.stop();
    saveEvidence('langfuse-faults', 'logs', sidecar.rawLines);
    const ok = failures === 0 && exported === WARMUP + REQUESTS && readDrops(metrics).total === 0 && exit.code === 0;
    recordRow({
      family: 'langfuse',
      fault: 'none (healthy vs healthy)',
      requests: REQUESTS,
      failures,
      latencyRatio: ratio,
      rssPeakMB,
      dropsExpected: 0,
      dropsObserved: readDrops(metrics).total,
      note: `noise floor; reference mean ${base.meanLatencyMs.toFixed(2)} ms, p99 ${base.p99LatencyMs.toFixed(1)} ms at ${CONCURRENCY} connections; ${exported} traces exported, every response's trace found`,
      ok,
    });
    expect(findMarkers(sidecar.rawLines.join('\n'))).toEqual([]);
    expect(findMarkers(langfuse.requests.map((r) => r.body).join('\n'))).toEqual([]);
    expect(failures).toBe(0);
    expect(exported).toBe(WARMUP + REQUESTS);
    expect(exit.code).toBe(0);
  } finally {
    await sidecar.stop('SIGKILL');
  }
});

describe.each(CASES)('Langfuse fault: $name', (fault) => {
  test('responses unchanged, latency near healthy, RSS bounded, drops exact, recovery without restart', async () => {
    const refusedPort = fault.mode === 'refused' ? await reservePort() : undefined;
    const langfuseUrl = refusedPort ? `http://127.0.0.1:${refusedPort}` : langfuse.url;
    langfuse.mode = fault.mode === 'refused' ? 'ok' : fault.mode;
    const sidecar = await spawnSidecar({
      upstreamUrl: upstream.url,
      langfuseUrl,
      env: { ...EXPORT_ENV, SIDECAR_EXPORT_TIMEOUT_MS: String(fault.exportTimeoutMs) },
    });
    let relay: { close: () => Promise<void> } | undefined;
    try {
      const { load, base, ratio, rssPeakMB, baseRssPeakMB } = await measureAgainstReference(sidecar);
      const differences = countDifferences(load, base);

      // Every trace of the phase is settled (exported or dropped) before Langfuse comes back.
      const settled = await waitSettled(sidecar, 90_000);
      const drops = readDrops(settled);
      const referenceDrops = readDrops(await waitSettled(reference, 30_000)).total;
      const dropsExpected = fault.dropsAll ? WARMUP + REQUESTS : 0;

      // Recovery: Langfuse answers again; new traces must arrive without restarting the sidecar.
      if (refusedPort) relay = await startTcpRelay(refusedPort, Number(new URL(langfuse.url).port));
      langfuse.mode = 'ok';
      const recovery = await runLoad(sidecar.url, RECOVERY, CONCURRENCY, (i) => makeMixedChatRequest(REQUESTS + WARMUP + i));
      const recoveredIds = new Set(recovery.responses.map((r) => r.traceId));
      const countRecovered = () => langfuse.spans().filter((s) => recoveredIds.has(s.traceId)).length;
      const recovered = await waitFor(() => (countRecovered() === RECOVERY ? RECOVERY : undefined), 30_000, () => `recovery traces: ${countRecovered()}/${RECOVERY}`, 200).catch(countRecovered);

      const exit = await sidecar.stop();
      const logged = sumLoggedDrops(sidecar);
      saveEvidence('langfuse-faults', 'logs', sidecar.rawLines);
      const hintLogged = fault.logHint ? logged.lines.some((l) => fault.logHint!.test(JSON.stringify(l))) : true;
      const failures = differences + load.errors;
      const rssBound = baseRssPeakMB + QUEUE_MAX_MB;
      const ok =
        failures === 0 &&
        referenceDrops === 0 &&
        ratio <= RATIO_ASSERT &&
        rssPeakMB <= rssBound &&
        drops.total === dropsExpected &&
        logged.total === drops.total &&
        hintLogged &&
        recovered === RECOVERY &&
        exit.code === 0;
      recordRow({
        family: 'langfuse',
        fault: fault.name,
        requests: REQUESTS,
        failures,
        latencyRatio: ratio,
        rssPeakMB,
        dropsExpected,
        dropsObserved: drops.total,
        note: `${ratio <= RATIO_TARGET ? 'within' : 'ABOVE'} the 1.1 target (mean ${load.meanLatencyMs.toFixed(2)} vs ${base.meanLatencyMs.toFixed(2)} ms); reference RSS ${baseRssPeakMB.toFixed(0)} MB; warning lines count ${logged.total} drops; ${recovered}/${RECOVERY} traces after recovery, no restart`,
        ok,
      });
      expect(findMarkers(sidecar.rawLines.join('\n'))).toEqual([]);
      expect(failures).toBe(0);
      expect(referenceDrops).toBe(0);
      expect(ratio).toBeLessThanOrEqual(RATIO_ASSERT);
      expect(rssPeakMB).toBeLessThanOrEqual(rssBound);
      expect(drops.total).toBe(dropsExpected);
      expect(logged.total).toBe(drops.total);
      expect(hintLogged).toBe(true);
      expect(recovered).toBe(RECOVERY);
      expect(exit.code).toBe(0);
    } finally {
      await sidecar.stop('SIGKILL');
      await relay?.close();
    }
  });
});
