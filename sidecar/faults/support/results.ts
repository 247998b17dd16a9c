import fs from 'node:fs';
import path from 'node:path';
import { EVIDENCE_DIR, ROWS_FILE } from './paths';

/** One line of the final table: what was tried and what held. */
export interface ResultRow {
  family: string;
  fault: string;
  requests: number;
  /** Client-visible failures: responses that differed from what the case expects. */
  failures: number;
  /** Mean latency under the fault divided by the healthy mean (undefined when not measured). */
  latencyRatio?: number;
  rssPeakMB?: number;
  dropsExpected?: number;
  dropsObserved?: number;
  /** What held (or did not), in a few words. */
  note: string;
  ok: boolean;
}

/** Appends a row for the table global teardown prints, and logs it at once (visible in jest's output). */
export function recordRow(row: ResultRow): void {
  fs.mkdirSync(path.dirname(ROWS_FILE), { recursive: true });
  fs.appendFileSync(ROWS_FILE, `${JSON.stringify(row)}\n`);
  const ratio = row.latencyRatio === undefined ? '' : ` ratio=${row.latencyRatio.toFixed(3)}`;
  const rss = row.rssPeakMB === undefined ? '' : ` rssPeak=${row.rssPeakMB.toFixed(1)}MB`;
  const drops = row.dropsExpected === undefined ? '' : ` drops=${row.dropsExpected}/${row.dropsObserved ?? '?'}`;
  process.stdout.write(`[faults] ${row.ok ? 'held' : 'MISSED'} ${row.family} / ${row.fault}: ${row.requests} req, ${row.failures} failures${ratio}${rss}${drops} — ${row.note}\n`);
}

/** Reads back every row written during this run. */
export function readRows(): ResultRow[] {
  if (!fs.existsSync(ROWS_FILE)) return [];
  return fs
    .readFileSync(ROWS_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ResultRow);
}

/** Keeps what a test exported to Langfuse and logged, for the suite-wide secrets scan at teardown. */
export function saveEvidence(name: string, kind: 'exported' | 'logs', texts: string[]): void {
  fs.mkdirSync(EVIDENCE_DIR, { recursive: true });
  fs.appendFileSync(path.join(EVIDENCE_DIR, `${name}.${kind}.txt`), texts.join('\n') + '\n');
}
