import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLitellmPin } from './check-litellm-pin';
import { readStack } from './e2e-helpers';
import { MASTER_KEY, REPO_ROOT } from './start-stack';

describe('the LiteLLM version is defined in one place', () => {
  test('the e2e lock pins the same LiteLLM version as the compose image tag', () => {
    const report = checkLitellmPin(REPO_ROOT);
    expect(report.problems).toEqual([]);
    expect(report.pins.length).toBeGreaterThanOrEqual(3);
  });

  test('the check fails when the compose image tag drifts from the lock', () => {
    const root = mkdtempSync(join(tmpdir(), 'litellm-pin-'));
    try {
      mkdirSync(join(root, 'sidecar/e2e'), { recursive: true });
      for (const file of ['sidecar/e2e/requirements.in', 'sidecar/e2e/requirements.lock']) copyFileSync(join(REPO_ROOT, file), join(root, file));
      writeFileSync(join(root, 'docker-compose.yml'), 'services:\n  litellm:\n    image: ghcr.io/berriai/litellm:v1.109.0\n');
      const report = checkLitellmPin(root);
      expect(report.problems.join('\n')).toMatch(/requirements\.lock pins LiteLLM 1\.110\.2 but docker-compose\.yml uses image tag v1\.109\.0/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('requirements.txt (pip and Zeabur\'s Python buildpack) is in the check, extra and all', () => {
    const root = mkdtempSync(join(tmpdir(), 'litellm-pin-'));
    try {
      mkdirSync(join(root, 'sidecar/e2e'), { recursive: true });
      for (const file of ['docker-compose.yml', 'sidecar/e2e/requirements.in', 'sidecar/e2e/requirements.lock']) copyFileSync(join(REPO_ROOT, file), join(root, file));
      expect(checkLitellmPin(root).problems).toEqual(['requirements.txt has no litellm==X.Y.Z line']);
      writeFileSync(join(root, 'requirements.txt'), '# comment\nlitellm[proxy]==1.109.0\n');
      expect(checkLitellmPin(root).problems).toEqual([expect.stringMatching(/^requirements\.txt pins LiteLLM 1\.109\.0 but docker-compose\.yml uses image tag v1\.110\.2$/)]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the LiteLLM that is running is that version', async () => {
    const stack = readStack();
    const res = await fetch(`${stack.litellmUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'version?' }] }),
    });
    expect(res.status).toBe(200);
    const [pin] = checkLitellmPin(REPO_ROOT).pins;
    expect(res.headers.get('x-litellm-version')).toBe(pin?.version);
  });
});
