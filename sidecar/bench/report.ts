/** Prints the ratio tables (Markdown, so the same text goes into docs/performance.md) and describes the machine. */
import fs from 'node:fs';
import os from 'node:os';
import type { SetupFigures, TargetCheck } from './summarize';
import type { Workload } from './workloads';

/** The machine a run was made on, as the table's label. */
export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  kernel: string;
  memoryGB: number;
}

/** Describes this machine from /proc/cpuinfo and os. */
export function describeMachine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  return { cpu, cores: os.cpus().length, node: process.version, kernel: `${os.type()} ${os.release()}`, memoryGB: Math.round(os.totalmem() / 1e9) };
}

const num = (value: number | undefined, digits: number) => (value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '–');
const ratio = (value: number | undefined, base: number | undefined) =>
  value !== undefined && base !== undefined && Number.isFinite(value / base) && base !== 0 ? (value / base).toFixed(2) : '–';
const delta = (value: number | undefined, base: number | undefined) =>
  value !== undefined && base !== undefined && Number.isFinite(value - base) ? `${value - base >= 0 ? '+' : ''}${(value - base).toFixed(2)}` : '–';

function table(header: string[], rows: string[][]): string {
  const align = header.map((_, i) => (i < 2 ? ':--' : '--:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The per-workload table: throughput, CPU and latency, each beside its ratio or difference to setups 1 and 2. */
export function formatWorkloadTable(figures: SetupFigures[], workloads: Workload[]): string {
  const direct = figures.find((f) => f.name === 'direct');
  const bare = figures.find((f) => f.name === 'bare-pipe');
  const rows: string[][] = [];
  for (const workload of workloads) {
    for (const setup of figures) {
      const f = setup.workloads[workload.name];
      if (!f) continue;
      const d = direct?.workloads[workload.name];
      const b = bare?.workloads[workload.name];
      rows.push([
        workload.label,
        setup.label,
        num(f.rps, 0),
        ratio(f.rps, d?.rps),
        ratio(f.rps, b?.rps),
        num(f.cpuUsPerRequest, 0),
        ratio(f.cpuUsPerRequest, b?.cpuUsPerRequest),
        num(f.cpuCores, 2),
        num(f.p50Ms, 2),
        delta(f.p50Ms, d?.p50Ms),
        num(f.p99Ms, 2),
        delta(f.p99Ms, d?.p99Ms),
      ]);
    }
  }
  return table(
    ['workload', 'setup', 'req/s', '×direct', '×bare', 'CPU µs/req', '×bare', 'cores used', 'p50 ms', 'Δp50 vs direct', 'p99 ms', 'Δp99 vs direct'],
    rows,
  );
}

/** The per-setup table: stream time to first byte, memory, failures and traces. */
export function formatSetupTable(figures: SetupFigures[]): string {
  const direct = figures.find((f) => f.name === 'direct');
  const rows = figures.map((f) => [
    f.label,
    String(f.rounds),
    num(f.ttfbP50Ms, 2),
    delta(f.ttfbP50Ms, direct?.ttfbP50Ms),
    num(f.ttfbP99Ms, 2),
    num(f.streamsPeakRssMB, 0),
    num(f.peakRssMB, 0),
    String(f.failed),
    f.traces ? `${f.traces.traces} / ${f.traces.received}` : '–',
    f.badExitCodes > 0 ? `${f.badExitCodes} bad` : f.name.startsWith('sidecar') ? '0' : '–',
    num(f.backgroundCores, 2),
  ]);
  return table(
    ['setup', 'rounds', 'TTFB p50 ms', 'Δ vs direct', 'TTFB p99 ms', 'peak RSS MB, 200 streams', 'peak RSS MB, run', 'failed requests', 'traces / requests', 'non-zero exits', 'other load, cores'],
    rows,
  );
}

/** The targets of the issue, each met or missed. */
export function formatTargets(checks: TargetCheck[]): string {
  return table(
    ['target', 'measured', 'result'],
    checks.map((c) => [c.target, c.measured, c.met === 'info' ? 'for comparison' : c.met === undefined ? 'not measured' : c.met ? 'met' : '**missed**']),
  );
}

/** The heading line that labels a table with its machine and date. */
export function formatLabel(machine: Machine, date: string, placement: string, profile: string): string {
  return [
    `Run ${date} (${profile} profile) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, ${machine.kernel}, Node ${machine.node}.`,
    `Placement: ${placement}.`,
  ].join('\n');
}
