import { readStack, requireSidecar } from './e2e-helpers';
import { MASTER_KEY } from './start-stack';

const stack = readStack();

/** Fetches the same path directly from LiteLLM and through the sidecar. */
async function fetchBoth(path: string, init?: RequestInit): Promise<{ direct: Response; proxied: Response }> {
  const direct = await fetch(`${stack.litellmUrl}${path}`, { redirect: 'manual', ...init });
  const proxied = await fetch(`${requireSidecar(stack)}${path}`, { redirect: 'manual', ...init });
  return { direct, proxied };
}

describe('plain HTTP routes', () => {
  test('GET /health/liveliness answers the same through the sidecar', async () => {
    const { direct, proxied } = await fetchBoth('/health/liveliness');
    expect(direct.status).toBe(200);
    expect(proxied.status).toBe(direct.status);
    expect(await proxied.text()).toBe(await direct.text());
  });

  test('GET /v1/models lists the same models through the sidecar', async () => {
    const init = { headers: { authorization: `Bearer ${MASTER_KEY}` } };
    const { direct, proxied } = await fetchBoth('/v1/models', init);
    expect(direct.status).toBe(200);
    const directBody = (await direct.json()) as { data: { id: string }[] };
    expect(directBody.data.map((m) => m.id).sort()).toEqual(['fake-embed', 'fake-gpt', 'fake-image', 'fake-moderation', 'fake-ocr', 'fake-rerank', 'fake-tts', 'fake-whisper', 'mock-chat', 'mock-embed']);
    expect(proxied.status).toBe(200);
    expect(await proxied.json()).toEqual(directBody);
  });

  test('GET /v1/models without a key is refused the same way', async () => {
    const { direct, proxied } = await fetchBoth('/v1/models');
    expect(direct.status).toBe(401);
    expect(proxied.status).toBe(401);
    expect(await proxied.json()).toEqual(await direct.json());
  });

  // DISABLE_ADMIN_UI=True: LiteLLM 1.110.2 still serves the UI's static bundle under /ui/, but the
  // login route answers "Admin UI is Disabled" and the UI's config says so; the UI cannot be used.
  test('the admin UI is off through the sidecar', async () => {
    const login = await fetchBoth('/sso/key/generate');
    expect(login.direct.status).toBe(200);
    const directHtml = await login.direct.text();
    expect(directHtml).toContain('Admin UI is Disabled');
    expect(login.proxied.status).toBe(200);
    expect(await login.proxied.text()).toBe(directHtml);

    const config = await fetchBoth('/.well-known/litellm-ui-config');
    expect(((await config.direct.json()) as { admin_ui_disabled: boolean }).admin_ui_disabled).toBe(true);
    expect(((await config.proxied.json()) as { admin_ui_disabled: boolean }).admin_ui_disabled).toBe(true);
  });
});
