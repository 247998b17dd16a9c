import path from 'node:path';

/** The repository root (two levels above sidecar/faults). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Where global setup compiles the sidecar for the child-process tests (git-ignored). */
export const BUILD_DIR = path.join(REPO_ROOT, '.cache', 'faults-build');

/** The compiled entry point a child sidecar runs, as `npm start` runs dist/index.js. */
export const BUILD_ENTRY = path.join(BUILD_DIR, 'index.js');

/** Results of the run: the table, its rows and the evidence for the secrets scan (git-ignored). */
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench-results');
export const ROWS_FILE = path.join(RESULTS_DIR, 'faults-rows.jsonl');
export const TABLE_FILE = path.join(RESULTS_DIR, 'faults-table.md');
export const EVIDENCE_DIR = path.join(RESULTS_DIR, 'faults-evidence');
