import fs from 'node:fs';
import { buildSidecar } from './support/build';
import { EVIDENCE_DIR, ROWS_FILE } from './support/paths';

/** Builds the sidecar once for the child-process tests and clears the previous run's rows and evidence. */
export default function globalSetup(): void {
  (globalThis as { faultsStartedAt?: number }).faultsStartedAt = Date.now();
  fs.rmSync(ROWS_FILE, { force: true });
  fs.rmSync(EVIDENCE_DIR, { recursive: true, force: true });
  buildSidecar();
}
