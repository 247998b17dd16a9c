/**
 * The load generator, in its own process: autocannon for closed-loop throughput, and small node:http clients
 * for what autocannon does not measure well: evenly paced open-loop latency and time to first byte.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { serveCommands, announceReady } from './ipc';
import { percentile } from './stats';

/** One HTTP request shape to repeat. */
export interface RequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** A closed-loop load run: `connections` connections, each sending its next request when the last one ended. */
export interface CannonSpec extends RequestSpec {
  connections: number;
  durationSec: number;
}

/** An open-loop run: one request every 1/rate seconds, whatever the answers do. */
export interface PaceSpec extends RequestSpec {
  rate: number;
  durationSec: number;
}

/** What one load run measured; latencies in milliseconds at microsecond resolution. */
export interface CannonResult {
  ok: number;
  sent: number;
  failed: number;
  durationSec: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** A time-to-first-byte run: `requestsPerLane` sequential requests on each of `lanes` parallel keep-alive connections. */
export interface TtfbSpec extends RequestSpec {
  requestsPerLane: number;
  lanes: number;
}

/** Time to first body byte and to the end of the response, in milliseconds. */
export interface TtfbResult {
  ok: number;
  failed: number;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  totalP50Ms: number;
}

function runCannon(spec: CannonSpec): Promise<CannonResult> {
  // autocannon's own histogram has a 1 ms floor; the added latency targets are sub-millisecond,
  // so each response time (a float from process.hrtime) is kept here instead.
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        connections: spec.connections,
        duration: spec.durationSec,
        timeout: 30,
      },
      (error, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const ok = result['2xx'];
        resolve({
          ok,
          sent: result.requests.sent,
          failed: result.errors + result.non2xx,
          durationSec: result.duration,
          rps: ok / result.duration,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

function timeOneRequest(spec: RequestSpec, agent: http.Agent): Promise<{ ttfb: number; total: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let firstByte: bigint | undefined;
    const req = http.request(spec.url, { method: spec.method, headers: spec.headers, agent }, (res) => {
      res.on('data', () => {
        firstByte ??= process.hrtime.bigint();
      });
      res.on('end', () => {
        const ended = process.hrtime.bigint();
        if (res.statusCode !== 200 || firstByte === undefined) return reject(new Error(`status ${String(res.statusCode)}`));
        resolve({ ttfb: Number(firstByte - started) / 1e6, total: Number(ended - started) / 1e6 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(spec.body);
  });
}

/**
 * Open loop, evenly paced. autocannon's overallRate is a per-second budget per connection: every connection
 * fires its share back to back at the top of each second, so its "latency at a moderate rate" is really the
 * latency of a burst. Here requests leave on a fixed schedule (keep-alive connections, as many as are busy),
 * and each latency runs from the request's write to the end of its response.
 */
async function runPaced(spec: PaceSpec): Promise<CannonResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  const intervalMs = 1000 / spec.rate;
  const total = Math.round(spec.rate * spec.durationSec);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  const fire = () =>
    timeOneRequest(spec, agent).then(
      (timing) => void latencies.push(timing.total),
      () => void (failed += 1),
    );
  while (sent < total) {
    const due = started + sent * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(fire());
    sent += 1;
  }
  await Promise.all(inFlight);
  const durationSec = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    ok: latencies.length,
    sent,
    failed,
    durationSec,
    rps: latencies.length / durationSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function runTtfb(spec: TtfbSpec): Promise<TtfbResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.lanes });
  const ttfbs: number[] = [];
  const totals: number[] = [];
  let failed = 0;
  const lane = async (): Promise<void> => {
    for (let i = 0; i < spec.requestsPerLane; i += 1) {
      try {
        const timing = await timeOneRequest(spec, agent);
        ttfbs.push(timing.ttfb);
        totals.push(timing.total);
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.lanes }, lane));
  agent.destroy();
  return {
    ok: ttfbs.length,
    failed,
    ttfbP50Ms: percentile(ttfbs, 50),
    ttfbP99Ms: percentile(ttfbs, 99),
    totalP50Ms: percentile(totals, 50),
  };
}

serveCommands({
  cannon: (command) => runCannon(command.spec as CannonSpec),
  pace: (command) => runPaced(command.spec as PaceSpec),
  ttfb: (command) => runTtfb(command.spec as TtfbSpec),
});
announceReady();
