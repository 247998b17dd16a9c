import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR } from '../faults/support/paths';
import { chatCompletion, sendJson, startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from '../test/support/fake-langfuse';
import { startReplicaSet, type ReplicaSet } from './support/replicas';
import { startSteadyLoad, type CallRecord } from './support/steady-load';

/**
 * Issue 14 §3: the sidecar as replicas behind a load balancer, under steady load, the way Kubernetes runs it.
 * Three sidecar processes behind nginx (Debian's), whose upstream follows each replica's /_sidecar/ready as
 * Service endpoints do; a fake LiteLLM answering in ~20 ms and a fake Langfuse that can be down.
 */
const REPLICAS = 3;
const CLIENTS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  scenario: string;
  calls: number;
  failed: number;
  traced: number;
  dropped: number;
  note: string;
}
const rows: Row[] = [];

/** What every replica process said when it stopped: traces exported and dropped. */
function stoppedTotals(set: ReplicaSet): { exported: number; dropped: number } {
  let exported = 0;
  let dropped = 0;
  for (const child of set.processes) {
    const line = child.logs.find((l) => l.msg === 'stopped');
    exported += Number(line?.tracesExported ?? 0);
    dropped += Number(line?.tracesDropped ?? 0);
  }
  return { exported, dropped };
}

describe('replicas behind a load balancer', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let set: ReplicaSet | undefined;

  beforeAll(async () => {
    fake = await startFakeLitellm(async (_req, _body, res) => {
      await sleep(20);
      sendJson(res, 200, chatCompletion('scaled'));
    });
  });
  beforeEach(async () => {
    langfuse = await startFakeLangfuse();
  });
  afterEach(async () => {
    await set?.close();
    set = undefined;
    await langfuse.close();
  });
  afterAll(async () => {
    await fake.close();
    const table = [
      '| scenario | client calls | failed | traces received | traces dropped (counted) | note |',
      '| :-- | --: | --: | --: | --: | :-- |',
      ...rows.map((r) => `| ${r.scenario} | ${r.calls} | ${r.failed} | ${r.traced} | ${r.dropped} | ${r.note} |`),
    ].join('\n');
    process.stdout.write(`\nscale-out suite, ${REPLICAS} replicas behind nginx, ${CLIENTS} clients:\n\n${table}\n\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'scale-table.md'), `${table}\n`);
  });

  const receivedTraceIds = () => new Set(langfuse.spans().map((span) => span.traceId));

  test('rolling restart (each replica in turn: out of the endpoints, SIGTERM, drain, replaced): no failed call, every call traced', async () => {
    set = await startReplicaSet(REPLICAS, { upstreamUrl: fake.url, langfuseUrl: langfuse.url });
    const load = startSteadyLoad(set.nginx.url, CLIENTS);
    await sleep(1000);
    const exits = [];
    for (let i = 0; i < REPLICAS; i++) exits.push(await set.restart(i));
    await sleep(1000);
    const calls = await load.stop();
    await set.close();
    const failed = calls.filter((c) => !c.ok);
    const received = receivedTraceIds();
    rows.push({ scenario: 'rolling restart', calls: calls.length, failed: failed.length, traced: received.size, dropped: stoppedTotals(set).dropped, note: `${REPLICAS} SIGTERMs, exit codes ${exits.map((e) => e.code).join(', ')}` });
    expect(exits.every((exit) => exit.code === 0)).toBe(true);
    expect(failed).toEqual([]);
    expect(calls.length).toBeGreaterThan(100);
    expect(calls.filter((c) => !received.has(c.traceId as string))).toEqual([]);
    expect(received.size).toBe(calls.length);
  });

  test('a replica killed (SIGKILL): only its in-flight calls fail, each counted; every call the others completed is traced', async () => {
    set = await startReplicaSet(REPLICAS, { upstreamUrl: fake.url, langfuseUrl: langfuse.url });
    const load = startSteadyLoad(set.nginx.url, CLIENTS);
    await sleep(1500);
    const victim = `127.0.0.1:${(set.replicas[1] as { port: number }).port}`;
    await set.kill(1);
    await sleep(2000);
    const calls = await load.stop();
    await set.close();
    const failed = calls.filter((c) => !c.ok);
    const received = receivedTraceIds();
    const survivorsOk = calls.filter((c) => c.ok && c.upstream !== victim);
    rows.push({ scenario: 'one replica killed', calls: calls.length, failed: failed.length, traced: received.size, dropped: stoppedTotals(set).dropped, note: `failed calls were all on the killed replica; its unsent traces died with it` });
    // Only calls nginx had already handed to the killed replica fail: at most one per client.
    expect(failed.length).toBeLessThanOrEqual(CLIENTS);
    expect(failed.every((c: CallRecord) => c.upstream?.includes(victim))).toBe(true);
    expect(survivorsOk.filter((c) => !received.has(c.traceId as string))).toEqual([]);
  });

  test.each([
    ['shorter than the export timeout', 1500, false],
    ['longer than the export timeout', 7000, true],
  ] as const)('Langfuse down %s, then back: what the sidecars drop is counted exactly', async (what, outageMs, expectDrops) => {
    // Small settings so the suite stays short; the same arithmetic holds for the defaults (docs/scaling.md).
    set = await startReplicaSet(REPLICAS, { upstreamUrl: fake.url, langfuseUrl: langfuse.url, env: { SIDECAR_EXPORT_TIMEOUT_MS: '3000', SIDECAR_EXPORT_INTERVAL_MS: '200' } });
    const load = startSteadyLoad(set.nginx.url, CLIENTS);
    await sleep(500);
    langfuse.mode = 'unavailable503';
    await sleep(outageMs);
    langfuse.mode = 'ok';
    await sleep(1000);
    const calls = await load.stop();
    await set.close();
    const ok = calls.filter((c) => c.ok);
    const received = receivedTraceIds();
    const { exported, dropped } = stoppedTotals(set);
    rows.push({ scenario: `Langfuse down ${outageMs / 1000} s (export timeout 3 s)`, calls: calls.length, failed: calls.length - ok.length, traced: received.size, dropped, note: what });
    expect(ok.length).toBe(calls.length);
    // Every call is either received by Langfuse or counted as dropped by the sidecar that held it: none vanishes.
    expect(received.size).toBe(exported);
    expect(exported + dropped).toBe(ok.length);
    if (expectDrops) expect(dropped).toBeGreaterThan(0);
    else expect(dropped).toBe(0);
  });
});
