/**
 * The load generator, in its own process: autocannon for closed-loop throughput and open-loop latency,
 * and a small node:http client for time to first byte, which autocannon does not measure.
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

/** A load run: closed loop when overallRate is absent, open loop at overallRate requests/s otherwise. */
export interface CannonSpec extends RequestSpec {
  connections: number;
  durationSec: number;
  overallRate?: number;
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
        overallRate: spec.overallRate,
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
        if (res.statusCode !== 200 || firstByte === undefined) return reject(new Error(`status ${res.statusCode}`));
        resolve({ ttfb: Number(firstByte - started) / 1e6, total: Number(ended - started) / 1e6 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(spec.body);
  });
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
  ttfb: (command) => runTtfb(command.spec as TtfbSpec),
});
announceReady();
