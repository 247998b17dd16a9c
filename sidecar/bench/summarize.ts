/** Turns the rounds of every setup into medians, and checks them against the targets. */
import type { SetupRun } from './measure';
import type { Setup } from './setups';
import { maximum, median } from './stats';
import type { WorkloadName } from './workloads';

/** Medians over rounds of one setup on one workload. */
export interface WorkloadFigures {
  rps: number;
  cpuUsPerRequest: number;
  cpuCores: number;
  p50Ms: number;
  p99Ms: number;
}

/** Medians (peaks: maxima) over rounds of one setup's per-setup figures. */
export interface SetupFigures {
  name: string;
  label: string;
  rounds: number;
  workloads: Partial<Record<WorkloadName, WorkloadFigures>>;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  streamsPeakRssMB: number;
  peakRssMB: number;
  failed: number;
  /** Summed over rounds; `received` and `dropped` are the sidecar's own counters. */
  traces?: { forwarded: number; received: number; traces: number; spans: number; dropped: number };
  badExitCodes: number;
  /** Median cores other work on the machine used while this setup ran: a noise gauge. */
  backgroundCores: number;
}

/** One target of the issue, met or missed (undefined when this run could not measure it; 'info' for a yardstick). */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined | 'info';
}

/** Collapses every setup's rounds into medians. */
export function summarizeSetups(setups: Setup[], runs: SetupRun[]): SetupFigures[] {
  return setups
    .map((setup) => ({ setup, mine: runs.filter((run) => run.setup === setup.name) }))
    .filter(({ mine }) => mine.length > 0)
    .map(({ setup, mine }) => {
      const workloads: SetupFigures['workloads'] = {};
      for (const name of setup.workloads) {
        workloads[name] = {
          rps: median(mine.map((run) => run.throughput[name]?.rps)),
          cpuUsPerRequest: median(mine.map((run) => run.throughput[name]?.cpuMsPerRequest)) * 1000,
          cpuCores: median(mine.map((run) => run.throughput[name]?.cpuCores)),
          p50Ms: median(mine.map((run) => run.latency[name]?.p50Ms)),
          p99Ms: median(mine.map((run) => run.latency[name]?.p99Ms)),
        };
      }
      const traced = mine.filter((run) => run.traces);
      return {
        name: setup.name,
        label: setup.label,
        rounds: mine.length,
        workloads,
        ttfbP50Ms: median(mine.map((run) => run.ttfb?.ttfbP50Ms)),
        ttfbP99Ms: median(mine.map((run) => run.ttfb?.ttfbP99Ms)),
        streamsPeakRssMB: maximum(mine.map((run) => run.streams?.peakRssMB)),
        peakRssMB: maximum(mine.map((run) => run.peakRssMB)),
        failed: mine.reduce((sum, run) => sum + run.failed, 0),
        traces:
          traced.length > 0
            ? {
                forwarded: traced.reduce((sum, run) => sum + run.traces!.forwarded, 0),
                received: traced.reduce((sum, run) => sum + (run.traces!.received ?? run.traces!.forwarded), 0),
                dropped: traced.reduce((sum, run) => sum + (run.traces!.dropped ?? 0), 0),
                traces: traced.reduce((sum, run) => sum + run.traces!.traces, 0),
                spans: traced.reduce((sum, run) => sum + run.traces!.spans, 0),
              }
            : undefined,
        badExitCodes: mine.filter((run) => run.exitCode !== undefined && run.exitCode !== 0).length,
        backgroundCores: median(mine.map((run) => run.backgroundCores)),
      };
    });
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function check(target: string, measured: string, met: boolean, known: boolean): TargetCheck {
  return { target, measured, met: known ? met : undefined };
}

/**
 * The figures Langfuse being down must not move by more than 5 %: the largest move either way, and the largest
 * move for the worse (less req/s; more CPU, latency or memory). Down does less work (a full queue drops before
 * encoding), so it can be faster without the outage hurting anyone; the second figure tells the two apart.
 */
function compareDown(up: SetupFigures, down: SetupFigures): { worst: string; deviation: number; worse: string; worsening: number } {
  // [figure, up, down, higher is better]
  const pairs: [string, number, number, boolean][] = [];
  for (const [name, figures] of Object.entries(up.workloads)) {
    const other = down.workloads[name as WorkloadName];
    if (!figures || !other) continue;
    pairs.push([`${name} req/s`, figures.rps, other.rps, true], [`${name} CPU/req`, figures.cpuUsPerRequest, other.cpuUsPerRequest, false]);
    pairs.push([`${name} p50`, figures.p50Ms, other.p50Ms, false]);
  }
  pairs.push(['stream TTFB p50', up.ttfbP50Ms, down.ttfbP50Ms, false], ['peak RSS (200 streams)', up.streamsPeakRssMB, down.streamsPeakRssMB, false]);
  const result = { worst: 'none', deviation: 0, worse: 'none', worsening: 0 };
  for (const [name, a, b, higherIsBetter] of pairs) {
    if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) continue;
    const move = b / a - 1;
    if (Math.abs(move) > result.deviation) Object.assign(result, { worst: `${name} ${fmt(a)} -> ${fmt(b)}`, deviation: Math.abs(move) });
    const worsening = higherIsBetter ? -move : move;
    if (worsening > result.worsening) Object.assign(result, { worse: `${name} ${fmt(a)} -> ${fmt(b)}`, worsening });
  }
  return result;
}

/** Checks the targets on this run's medians. */
export function checkTargets(figures: SetupFigures[]): TargetCheck[] {
  const find = (name: string) => figures.find((f) => f.name === name);
  const direct = find('direct');
  const bare = find('bare-pipe');
  const sidecar = find('sidecar');
  const down = find('sidecar-down');
  const checks: TargetCheck[] = [];
  if (!direct || !bare || !sidecar) return [{ target: 'sidecar targets', measured: 'the sidecar was not measured', met: undefined }];
  const share = (sidecar.workloads.chat?.rps ?? NaN) / (bare.workloads.chat?.rps ?? NaN);
  checks.push(check('small chat throughput >= 70 % of the bare pipe', `${fmt(share * 100, 0)} %`, share >= 0.7, Number.isFinite(share)));
  const addedP50 = (sidecar.workloads.chat?.p50Ms ?? NaN) - (direct.workloads.chat?.p50Ms ?? NaN);
  const addedP99 = (sidecar.workloads.chat?.p99Ms ?? NaN) - (direct.workloads.chat?.p99Ms ?? NaN);
  checks.push(check('small chat added p50 <= 0.5 ms over direct', `+${fmt(addedP50)} ms`, addedP50 <= 0.5, Number.isFinite(addedP50)));
  checks.push(check('small chat added p99 <= 2 ms over direct', `+${fmt(addedP99)} ms`, addedP99 <= 2, Number.isFinite(addedP99)));
  const addedTtfb = sidecar.ttfbP50Ms - direct.ttfbP50Ms;
  checks.push(check('stream TTFB p50 within 1 ms of direct', `+${fmt(addedTtfb)} ms`, addedTtfb <= 1, Number.isFinite(addedTtfb)));
  if (down) {
    const { worst, deviation, worse, worsening } = compareDown(sidecar, down);
    checks.push(check('Langfuse down moves no sidecar figure > 5 %', `worst ${fmt(deviation * 100, 1)} % (${worst})`, deviation <= 0.05, true));
    checks.push(check('Langfuse down makes no sidecar figure worse by > 5 %', `worst ${fmt(worsening * 100, 1)} % (${worse})`, worsening <= 0.05, true));
    checks.push(check('Langfuse down: every request succeeds', `${down.failed} failed`, down.failed === 0, true));
  }
  checks.push(
    check('peak RSS with 200 open streams < 150 MB', `${fmt(sidecar.streamsPeakRssMB, 0)} MB`, sidecar.streamsPeakRssMB < 150, Number.isFinite(sidecar.streamsPeakRssMB)),
  );
  for (const traced of figures.filter((f) => f.traces && (f.name.startsWith('sidecar') && f.name !== 'sidecar-down'))) {
    const t = traced.traces!;
    // Requests sent = what the sidecar received; the upstream's count can differ when LiteLLM sits between
    // (it may drop a call whose client left, or still be finishing the previous setup's).
    const measured = `${t.traces} traces / ${t.received} requests (${t.dropped} dropped by the sidecar, ${t.spans} spans)`;
    checks.push(check(`${traced.name}: traces received = requests sent`, measured, t.traces === t.received, true));
  }
  const litellm = find('litellm');
  const fronted = find('sidecar+litellm');
  const otel = find('litellm+otel');
  if (litellm && fronted) {
    const cost = 1 - (fronted.workloads.chat?.rps ?? NaN) / (litellm.workloads.chat?.rps ?? NaN);
    checks.push(check('sidecar in front costs LiteLLM < 5 % of throughput', `${fmt(cost * 100, 1)} %`, cost < 0.05, Number.isFinite(cost)));
  }
  const piped = find('bare+litellm');
  if (litellm && piped) {
    const cost = 1 - (piped.workloads.chat?.rps ?? NaN) / (litellm.workloads.chat?.rps ?? NaN);
    checks.push({ target: 'yardstick: a bare pipe in front costs LiteLLM', measured: `${fmt(cost * 100, 1)} %`, met: 'info' });
  }
  if (fronted && otel) {
    const a = fronted.workloads.chat?.rps ?? NaN;
    const b = otel.workloads.chat?.rps ?? NaN;
    checks.push(check('sidecar + LiteLLM faster than LiteLLM + langfuse_otel', `${fmt(a, 0)} vs ${fmt(b, 0)} req/s`, a > b, Number.isFinite(a / b)));
  }
  return checks;
}
