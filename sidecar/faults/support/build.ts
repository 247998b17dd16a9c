import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, BUILD_ENTRY, REPO_ROOT } from './paths';

/**
 * Compiles the sidecar with the same tsc build as `npm run build`, into a git-ignored directory, so a stale
 * dist/ is never what gets measured. tsc still emits on type errors: this suite tests behaviour and
 * `npm run typecheck` reports types, so those are printed and the emitted JavaScript is used.
 */
export function buildSidecar(): void {
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--sourceMap', 'false'], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (error) {
    if (!fs.existsSync(BUILD_ENTRY)) throw error;
    process.stdout.write(`[faults] tsc reported type errors; testing the emitted JavaScript anyway:\n${String((error as { stdout?: Buffer }).stdout ?? '')}\n`);
  }
}
