import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { findClosedPort, postJson, readMetric, sendRequest, waitUntil } from './support/http-client';
import { readMetadata, waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const LANGFUSE_SECRET = 'sk-lf-MARKER-langfuse-secret-0001';
const BEARER = 'sk-MARKER-bearer-master-key-0002';
const MARKERS = [LANGFUSE_SECRET, BEARER, 'MARKER-x-api-key-0003', 'MARKER-azure-api-key-0004', 'MARKER-cookie-0005', 'MARKER-body-api-key-0006', 'MARKER-query-key-0007', 'MARKER-set-cookie-0008', 'MARKER-provider-header-0009'];
const clientHeaders = {
  authorization: `Bearer ${BEARER}`,
  'x-api-key': 'MARKER-x-api-key-0003',
  'api-key': 'MARKER-azure-api-key-0004',
  cookie: 'session=MARKER-cookie-0005',
};
const chatWithKey = { model: 'gpt-4o-mini', api_key: 'MARKER-body-api-key-0006', messages: [{ role: 'user', content: 'hi' }] };
const shortHash = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;

/** Every byte that left the sidecar for Langfuse or the logs, apart from the one header that must carry the key. */
function collectOutput(langfuse: FakeLangfuse, sidecars: TestSidecar[]): string {
  const parts: string[] = [];
  for (const request of langfuse.requests) {
    const { authorization: _auth, ...headers } = request.headers;
    parts.push(request.body, request.path, JSON.stringify(headers));
  }
  for (const sidecar of sidecars) parts.push(...sidecar.rawLogs);
  return parts.join('\n');
}

describe('secrets never reach Langfuse or the logs', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;
  let refused: TestSidecar;

  beforeAll(async () => {
    fake = await startFakeLitellm((_req, body, res) => {
      const headers = { 'set-cookie': 'lt=MARKER-set-cookie-0008', 'x-provider-api-key': 'MARKER-provider-header-0009', 'x-litellm-call-id': 'c1' };
      if (body.length > 0 && (JSON.parse(body.toString()) as { stream?: boolean }).stream) return sendSse(res, chatStreamEvents(['ok']), 0, headers);
      return sendJson(res, 200, chatCompletion('ok'), headers);
    });
    langfuse = await startFakeLangfuse();
    const env = { LANGFUSE_SECRET_KEY: LANGFUSE_SECRET, LOG_LEVEL: 'trace', SIDECAR_EXPORT_TIMEOUT_MS: '200', SIDECAR_TRACE_ALL_ROUTES: 'true' };
    sidecar = await startSidecar(fake.url, langfuse.url, env);
    refused = await startSidecar(`http://127.0.0.1:${await findClosedPort()}`, langfuse.url, env);
  });
  afterAll(async () => {
    await sidecar.close();
    await refused.close();
    await fake.close();
    await langfuse.close();
  });

  test('through success, streams, other routes, upstream failures and Langfuse failures, no marker appears anywhere', async () => {
    const traced = [
      await postJson(sidecar.url, '/v1/chat/completions?key=MARKER-query-key-0007', chatWithKey, clientHeaders),
      await postJson(sidecar.url, '/v1/chat/completions', { ...chatWithKey, stream: true }, clientHeaders),
      await sendRequest(sidecar.url, { path: '/key/info?key=MARKER-query-key-0007', headers: clientHeaders }),
      await postJson(refused.url, '/v1/chat/completions', chatWithKey, clientHeaders),
    ];
    for (const response of traced) await waitForTraceOf(langfuse, response);
    // LiteLLM still got every credential: redaction is for the trace and the logs only.
    expect(fake.received[0]?.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(fake.received[0]?.headers.cookie).toBe('session=MARKER-cookie-0005');

    // Langfuse failing: the warning lines and the export attempts must not leak either.
    langfuse.mode = 'unauthorized401';
    await postJson(sidecar.url, '/v1/chat/completions', chatWithKey, clientHeaders);
    await waitUntil(async () => (await readMetric(sidecar.url, 'sidecar_traces_dropped_total{reason="export_failed"}')) === 1, 'the failed export');
    langfuse.mode = 'ok';
    expect(sidecar.logs.some((line) => line.msg === 'Langfuse export failed; traces dropped')).toBe(true);

    const output = collectOutput(langfuse, [sidecar, refused]);
    expect(output.length).toBeGreaterThan(1000);
    for (const marker of MARKERS) expect(output).not.toContain(marker);
    // Base64 of the Basic credentials must not sneak into a body or log either.
    expect(output).not.toContain(Buffer.from(`pk-lf-test:${LANGFUSE_SECRET}`).toString('base64'));
  });

  test('the Langfuse secret travels only in the Authorization header of exports', () => {
    const expected = `Basic ${Buffer.from(`pk-lf-test:${LANGFUSE_SECRET}`).toString('base64')}`;
    expect(langfuse.requests.length).toBeGreaterThan(0);
    for (const request of langfuse.requests) expect(request.headers.authorization).toBe(expected);
  });

  test('with SIDECAR_TRACE_ALL_ROUTES, credentials in management bodies (keys, provider keys, passwords) are redacted', async () => {
    fake.handle = (req, _body, res) => {
      if (req.url === '/key/generate') return sendJson(res, 200, { key: 'sk-MARKER-generated-0010', key_alias: 'ci', token: 'MARKER-token-0011', expires: null });
      return sendJson(res, 200, { ok: true });
    };
    const generated = await postJson(sidecar.url, '/key/generate', { key_alias: 'ci', models: ['gpt-4o-mini'] }, clientHeaders);
    expect(generated.body.toString()).toContain('sk-MARKER-generated-0010');
    const newModel = await postJson(sidecar.url, '/model/new', { model_name: 'm', litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-MARKER-provider-0012', aws_secret_access_key: 'MARKER-aws-0013' } }, clientHeaders);
    const login = await sendRequest(sidecar.url, { method: 'POST', path: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=admin&password=MARKER-password-0014' });
    const keySpan = await waitForTraceOf(langfuse, generated);
    const modelSpan = await waitForTraceOf(langfuse, newModel);
    await waitForTraceOf(langfuse, login);
    expect(JSON.parse(keySpan.attributes['langfuse.observation.output'] as string)).toMatchObject({ key: '[redacted]', key_alias: 'ci', token: '[redacted]' });
    expect(JSON.parse(modelSpan.attributes['langfuse.observation.input'] as string)).toMatchObject({ model_name: 'm', litellm_params: { model: 'openai/gpt-4o', api_key: '[redacted]' } });
    const output = collectOutput(langfuse, [sidecar]);
    for (const marker of ['MARKER-generated-0010', 'MARKER-token-0011', 'MARKER-provider-0012', 'MARKER-aws-0013', 'MARKER-password-0014']) expect(output).not.toContain(marker);
  });

  test('a chat request cut by the capture cap does not leak its body api_key through the raw text', async () => {
    const small = await startSidecar(fake.url, langfuse.url, { SIDECAR_CAPTURE_MAX_BYTES: '200' });
    try {
      fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('ok'));
      const body = { model: 'gpt-4o-mini', api_key: 'sk-MARKER-truncated-0015', messages: [{ role: 'user', content: 'q'.repeat(1000) }] };
      const span = await waitForTraceOf(langfuse, await postJson(small.url, '/v1/chat/completions', body));
      expect(readMetadata(span).request_truncated).toBe('true');
      expect(span.attributes['langfuse.observation.input']).toContain('"api_key":"[redacted]"');
      expect(collectOutput(langfuse, [small])).not.toContain('MARKER-truncated-0015');
    } finally {
      await small.close();
    }
  });

  test('the API key is recorded only as a short one-way hash, the same whichever header carried it', async () => {
    const bearer = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', chatWithKey, { authorization: 'Bearer sk-group-key-1' }));
    const xApiKey = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/messages', { model: 'claude', max_tokens: 1, messages: [] }, { 'x-api-key': 'sk-group-key-1' }));
    const other = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', chatWithKey, { 'api-key': 'sk-group-key-2' }));
    const none = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', chatWithKey));

    const hash = readMetadata(bearer).api_key_hash;
    expect(hash).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(hash).toBe(shortHash('sk-group-key-1'));
    expect(readMetadata(xApiKey).api_key_hash).toBe(hash);
    expect(readMetadata(other).api_key_hash).toBe(shortHash('sk-group-key-2'));
    expect(readMetadata(other).api_key_hash).not.toBe(hash);
    expect(readMetadata(none).api_key_hash).toBeUndefined();
    for (const request of langfuse.requests) expect(request.body).not.toContain('sk-group-key-');
  });
});

describe("issue 13's secrets: the master key, per-request Langfuse keys and the routing file's secrets", () => {
  test('none reaches an export body, a log line, a metric or another project; each secret only in its own Authorization', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-secrets-'));
    const fake = await startFakeLitellm((req, _body, res) => {
      if (req.url?.startsWith('/key/info')) return sendJson(res, 200, { key: 'h', info: { key_alias: 'team-key', team_id: null, metadata: {} } });
      sendJson(res, 200, chatCompletion('ok'));
    });
    const defaultProject = await startFakeLangfuse();
    const other = await startFakeLangfuse();
    const file = join(dir, 'projects.json');
    writeFileSync(file, JSON.stringify({ projects: [{ name: 'team', public_key: 'pk-lf-team', secret_key_env: 'TEAM_SECRET', base_url: other.url }], routes: [{ project: 'team', key_alias: 'team-key' }] }));
    const markers = { master: 'sk-MARKER-master-0020', request: 'sk-lf-MARKER-request-0021', file: 'sk-lf-MARKER-file-0022' };
    const sidecar = await startSidecar(fake.url, defaultProject.url, {
      LOG_LEVEL: 'trace',
      SIDECAR_TRACE_ALL_ROUTES: 'true',
      LITELLM_MASTER_KEY: markers.master,
      SIDECAR_PROJECTS_FILE: file,
      TEAM_SECRET: markers.file,
      SIDECAR_REQUEST_PROJECT_HOSTS: `${defaultProject.url},${other.url}`,
    });
    try {
      const perRequest = { langfuse_public_key: 'pk-lf-req', langfuse_secret_key: markers.request, langfuse_host: other.url };
      const calls = [
        await postJson(sidecar.url, '/v1/chat/completions', { model: 'm', messages: [], metadata: perRequest }, { authorization: 'Bearer sk-client-1' }),
        await postJson(sidecar.url, '/v1/chat/completions', { model: 'm', messages: [], metadata: { trace_metadata: { note: 'plain' } } }, { authorization: 'Bearer sk-client-2' }),
        // A route traced as it is (SIDECAR_TRACE_ALL_ROUTES): the credentials in its body are redacted.
        await postJson(sidecar.url, '/team/callback', { callback_vars: perRequest }, { authorization: `Bearer ${markers.master}` }),
      ];
      await waitUntil(() => other.spans().length >= 1 && defaultProject.spans().length + other.spans().length >= 3, 'the traces of every call');
      for (const response of calls) expect(response.status).toBe(200);
      const metrics = (await sendRequest(sidecar.url, { path: '/_sidecar/metrics' })).body.toString('utf8');
      const output = [collectOutput(defaultProject, [sidecar]), collectOutput(other, []), metrics].join('\n');
      for (const marker of Object.values(markers)) expect(output).not.toContain(marker);
      for (const request of other.requests) expect([`Basic ${Buffer.from(`pk-lf-req:${markers.request}`).toString('base64')}`, `Basic ${Buffer.from(`pk-lf-team:${markers.file}`).toString('base64')}`]).toContain(request.headers.authorization);
      for (const request of defaultProject.requests) expect(request.headers.authorization).toBe(`Basic ${Buffer.from('pk-lf-test:sk-lf-test-secret').toString('base64')}`);
    } finally {
      await sidecar.close();
      await fake.close();
      await defaultProject.close();
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
