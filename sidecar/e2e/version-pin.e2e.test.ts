import { checkLitellmPin } from './check-litellm-pin';
import { readStack } from './e2e-helpers';
import { MASTER_KEY, REPO_ROOT } from './start-stack';

describe('the LiteLLM version is defined in one place', () => {
  test('the e2e lock pins the same LiteLLM version as the compose image tag', () => {
    const report = checkLitellmPin(REPO_ROOT);
    expect(report.problems).toEqual([]);
    expect(report.pins.length).toBeGreaterThanOrEqual(3);
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
