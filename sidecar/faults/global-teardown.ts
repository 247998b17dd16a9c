import fs from 'node:fs';
import path from 'node:path';
import { findMarkers } from './support/markers';
import { EVIDENCE_DIR, TABLE_FILE } from './support/paths';
import { readRows, type ResultRow } from './support/results';

const cell = (value: number | undefined, digits = 0): string => (value === undefined ? '–' : value.toFixed(digits));

/** Renders the rows as the Markdown table the README's reliability section keeps. */
export function renderTable(rows: ResultRow[]): string {
  const lines = [
    '| family | fault | requests | failures | latency ratio | RSS peak (MB) | drops expected / observed | held | note |',
    '|---|---|---:|---:|---:|---:|---:|:-:|---|',
  ];
  for (const r of rows) {
    const drops = r.dropsExpected === undefined ? '–' : `${r.dropsExpected} / ${cell(r.dropsObserved)}`;
    lines.push(`| ${r.family} | ${r.fault} | ${r.requests} | ${r.failures} | ${cell(r.latencyRatio, 3)} | ${cell(r.rssPeakMB, 1)} | ${drops} | ${r.ok ? 'yes' : '**no**'} | ${r.note} |`);
  }
  return lines.join('\n');
}

/** Scans everything the suite exported to Langfuse or logged for the secret markers. */
function scanEvidence(): { files: number; bytes: number; hits: string[] } {
  const hits: string[] = [];
  let bytes = 0;
  const files = fs.existsSync(EVIDENCE_DIR) ? fs.readdirSync(EVIDENCE_DIR) : [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(EVIDENCE_DIR, file), 'utf8');
    bytes += Buffer.byteLength(text);
    for (const hit of findMarkers(text)) hits.push(`${file}: ${hit.marker} in …${hit.context}…`);
  }
  return { files: files.length, bytes, hits };
}

const FAMILY_ORDER = ['langfuse', 'upstream', 'shutdown', 'bad input', 'fuzz', 'secrets', 'soak'];

/** Prints the table of what was tried and what held, writes it to bench-results/, and runs the suite-wide secrets scan. */
export default function globalTeardown(): void {
  // Jest orders files by their last duration; the table reads better by family.
  const rows = readRows().sort((a, b) => FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family));
  const scan = scanEvidence();
  rows.push({
    family: 'secrets',
    fault: 'suite-wide scan of exported bodies and log lines',
    requests: rows.reduce((sum, r) => sum + r.requests, 0),
    failures: scan.hits.length,
    note: `${scan.files} evidence files, ${(scan.bytes / 1e6).toFixed(1)} MB scanned, ${scan.hits.length} marker hits`,
    ok: scan.hits.length === 0,
  });
  const startedAt = (globalThis as { faultsStartedAt?: number }).faultsStartedAt;
  const runtime = startedAt ? `${((Date.now() - startedAt) / 1000).toFixed(0)} s` : 'unknown';
  const table = renderTable(rows);
  const held = rows.filter((r) => r.ok).length;
  const summary = `Fault suite: ${held}/${rows.length} rows held, run time ${runtime} (FAULTS_SCALE=${process.env.FAULTS_SCALE ?? '1'}), ${new Date().toISOString()}`;
  fs.mkdirSync(path.dirname(TABLE_FILE), { recursive: true });
  fs.writeFileSync(TABLE_FILE, `${summary}\n\n${table}\n`);
  process.stdout.write(`\n${summary}\n\n${table}\n\n(written to ${path.relative(process.cwd(), TABLE_FILE)})\n`);
  if (scan.hits.length > 0) throw new Error(`secret markers found in exported bytes or logs:\n${scan.hits.join('\n')}`);
}
