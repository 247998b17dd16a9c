import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, BUILD_ENTRY, EVIDENCE_DIR, REPO_ROOT, ROWS_FILE } from './support/paths';

/**
 * Compiles the sidecar once for the child-process tests (the same tsc build as `npm run build`, into a
 * git-ignored directory so a stale dist/ is never measured) and clears the previous run's rows and evidence.
 */
export default function globalSetup(): void {
  (globalThis as { faultsStartedAt?: number }).faultsStartedAt = Date.now();
  fs.rmSync(ROWS_FILE, { force: true });
  fs.rmSync(EVIDENCE_DIR, { recursive: true, force: true });
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--sourceMap', 'false'], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (error) {
    // tsc still emits on type errors; the suite tests behaviour, `npm run typecheck` reports types.
    if (!fs.existsSync(BUILD_ENTRY)) throw error;
    process.stdout.write(`[faults] tsc reported type errors; testing the emitted JavaScript anyway:\n${String((error as { stdout?: Buffer }).stdout ?? '')}\n`);
  }
}
