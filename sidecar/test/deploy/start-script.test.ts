import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, REPO_ROOT } from './helpers/repo-files';

// start.sh itself (LiteLLM from PyPI + the sidecar) was run by hand; see docs/deployment.md.
// Here: it parses, lints clean where shellcheck exists, and keeps the ports the docs promise.
const script = join(REPO_ROOT, 'start.sh');
const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;

describe('start.sh', () => {
  it('is executable and valid bash', () => {
    expect(() => accessSync(script, constants.X_OK)).not.toThrow();
    const parsed = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
  });

  (shellcheck ? it : it.skip)('has no shellcheck findings', () => {
    const linted = spawnSync('shellcheck', [script], { encoding: 'utf8' });
    expect(linted.stdout).toBe('');
    expect(linted.status).toBe(0);
  });

  it('runs LiteLLM on 127.0.0.1:4001 and points the sidecar (port 4000 by default) at it', () => {
    const text = readRepoFile('start.sh');
    expect(text).toContain('LITELLM_PORT="${LITELLM_PORT:-4001}"');
    expect(text).toMatch(/--host 127\.0\.0\.1 --port "\$LITELLM_PORT"/);
    expect(text).toContain('LITELLM_BASE_URL="http://127.0.0.1:$LITELLM_PORT" node dist/index.js');
    expect(text).toContain('pip" install --quiet -r requirements.txt');
  });
});
