/**
 * Secrets scan against real sidecar processes at LOG_LEVEL=trace: marker values in Authorization, x-api-key,
 * api-key, x-goog-api-key, a `?key=` query, body `api_key` fields (whole, truncated, in a form), a key that
 * LiteLLM's /key/generate answers with, the master and provider keys in the environment, and credentials in
 * the configured URLs. No exported byte and no log line (stdout or stderr, success or error paths) may
 * contain any of them. The rest of the suite runs with the same markers; global teardown scans it all.
 */
import http from 'node:http';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from '../test/support/fake-langfuse';
import { chatBody, sendRaw, sendRequest } from './support/client';
import { reservePort, startTcpRelay } from './support/fake-upstream';
import { findMarkers, MARKER_VALUES, MARKERS, SECRET_REQUEST_HEADERS } from './support/markers';
import { recordRow, saveEvidence } from './support/results';
import { spawnSidecar, type ChildSidecar } from './support/spawn-sidecar';
import { waitFor } from './support/wait';

let upstream: FakeLitellm;
let langfuse: FakeLangfuse;
const children: ChildSidecar[] = [];
/** Output of processes that never started (a config error), scanned with the rest. */
const extraLines: string[] = [];

/** Every request header the clients send: all the places a key travels in LiteLLM's world. */
const KEY_HEADERS = {
  ...SECRET_REQUEST_HEADERS,
  'api-key': MARKERS.azureKey,
  'x-goog-api-key': MARKERS.geminiKey,
  cookie: `session=${MARKERS.virtualKey}`,
};

beforeAll(async () => {
  upstream = await startFakeLitellm((req, body, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/key/generate')) return sendJson(res, 200, { key: MARKERS.virtualKey, key_name: 'sk-...f7', expires: null });
    if (url.startsWith('/health/liveliness')) return sendJson(res, 200, 'I am alive!');
    // LiteLLM-style auth error that names no key, and a provider error that masks one, as LiteLLM relays them.
    if (req.headers['x-fault'] === 'auth') return sendJson(res, 401, { error: { message: 'Authentication Error, Invalid proxy server token passed.', type: 'auth_error', param: 'None', code: '401' } });
    if (body.includes('"stream":true')) return sendSse(res, chatStreamEvents(['secret', ' free']), 0, { 'set-cookie': `lt=${MARKERS.virtualKey}` });
    return sendJson(res, 200, chatCompletion('secret free'), { 'set-cookie': `lt=${MARKERS.virtualKey}` });
  });
  langfuse = await startFakeLangfuse('ok');
});

afterAll(async () => {
  for (const child of children) {
    await child.stop('SIGKILL');
    saveEvidence('secrets', 'logs', child.rawLines);
  }
  saveEvidence('secrets', 'logs', extraLines);
  saveEvidence('secrets', 'exported', langfuse.requests.map((r) => `${r.path}\n${JSON.stringify({ ...r.headers, authorization: undefined })}\n${r.body}`));
  await upstream.close();
  await langfuse.close();
});

/** Everything that left the processes except the one header that must carry the Langfuse key. */
function collectOutput(): string {
  const parts = [...children.flatMap((c) => c.rawLines), ...extraLines];
  for (const request of langfuse.requests) {
    const { authorization: _authorization, ...headers } = request.headers;
    parts.push(request.path, JSON.stringify(headers), request.body);
  }
  return parts.join('\n');
}

test('a traced sidecar at LOG_LEVEL=trace leaks no key on any path, success or failure', async () => {
  // Langfuse is reached through a URL with credentials in it, as behind a basic-auth proxy.
  const relayPort = await reservePort();
  const relay = await startTcpRelay(relayPort, Number(new URL(langfuse.url).port));
  const child = await spawnSidecar({
    upstreamUrl: `http://litellm:${MARKERS.masterKey}@127.0.0.1:${upstream.port}`,
    langfuseUrl: `http://lf:${MARKERS.langfuseSecret}@127.0.0.1:${relayPort}`,
    env: { LOG_LEVEL: 'trace', SIDECAR_TRACE_ALL_ROUTES: 'true', SIDECAR_CAPTURE_MAX_BYTES: '512', SIDECAR_EXPORT_TIMEOUT_MS: '500' },
  });
  children.push(child);
  try {
    const json = { 'content-type': 'application/json' };
    const sent: Array<Promise<unknown>> = [];
    for (let i = 0; i < 50; i++) {
      sent.push(sendRequest(`${child.url}/v1/chat/completions`, { headers: { ...KEY_HEADERS, ...json }, body: chatBody(`plain ${i}`, i % 2 === 1) }));
      sent.push(sendRequest(`${child.url}/v1/chat/completions`, { headers: { ...KEY_HEADERS, ...json }, body: JSON.stringify({ model: 'm', api_key: MARKERS.openaiKey, messages: [{ role: 'user', content: `key in body ${i}` }] }) }));
    }
    // A body cut by the 512-byte capture right inside the key, a form, a pass-through query key, a management call.
    sent.push(sendRequest(`${child.url}/v1/chat/completions`, { headers: { ...KEY_HEADERS, ...json }, body: `{"model":"m","padding":"${'p'.repeat(470)}","api_key":"${MARKERS.openaiKey}","messages":[]}` }));
    sent.push(sendRequest(`${child.url}/v1/audio/transcriptions`, { headers: { ...KEY_HEADERS, 'content-type': 'application/x-www-form-urlencoded' }, body: `model=whisper&api_key=${MARKERS.openaiKey}` }));
    sent.push(sendRequest(`${child.url}/gemini/v1beta/models/gemini-pro:generateContent?key=${MARKERS.geminiKey}`, { headers: { ...KEY_HEADERS, ...json }, body: '{"contents":[]}' }));
    sent.push(sendRequest(`${child.url}/key/generate`, { headers: { ...KEY_HEADERS, ...json }, body: JSON.stringify({ models: ['gpt-4o-mini'], metadata: { master_key: MARKERS.masterKey } }) }));
    sent.push(sendRequest(`${child.url}/v1/chat/completions`, { headers: { ...KEY_HEADERS, ...json, 'x-fault': 'auth' }, body: chatBody('bad key') }));
    sent.push(sendRaw(child.port, `GET /v1/realtime?model=x&api_key=${MARKERS.openaiKey} HTTP/1.1\r\nHost: s\r\nAuthorization: Bearer ${MARKERS.masterKey}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, 500));
    sent.push(fetch(`${child.url}/_sidecar/ready`));
    await Promise.all(sent);
    await waitFor(() => (langfuse.spans().length >= 100 ? true : undefined), 15_000, () => `${langfuse.spans().length} spans`);
    // Now Langfuse rejects the keys: the warnings must not quote them either.
    langfuse.mode = 'unauthorized401';
    for (let i = 0; i < 10; i++) await sendRequest(`${child.url}/v1/chat/completions`, { headers: { ...KEY_HEADERS, ...json }, body: chatBody(`after 401 ${i}`) });
    await waitFor(() => (langfuse.requests.some((r) => r.body.includes('after 401')) ? true : undefined), 10_000, () => 'no export after the 401 switch');
    const exit = await child.stop();
    const authorizations = new Set(langfuse.requests.map((r) => r.headers.authorization));
    const expectedAuth = `Basic ${Buffer.from(`pk-lf-fault-public:${MARKERS.langfuseSecret}`).toString('base64')}`;
    const hits = findMarkers(collectOutput());
    recordRow({
      family: 'secrets',
      fault: 'traced child at LOG_LEVEL=trace: headers, body, form, query, /key/generate, upgrade, URL credentials, Langfuse 401',
      requests: 107,
      failures: hits.length,
      note: `${MARKER_VALUES.length} markers; ${child.rawLines.length} log lines and ${langfuse.requests.length} export requests scanned; hits: ${hits.map((h) => h.marker).join(', ') || 'none'}`,
      ok: hits.length === 0 && exit.code === 0,
    });
    expect(hits).toEqual([]);
    expect([...authorizations]).toEqual([expectedAuth]);
    expect(exit.code).toBe(0);
  } finally {
    langfuse.mode = 'ok';
    await relay.close();
  }
});

test('error paths: LiteLLM down, Langfuse refused, and a config that fails to parse leak no key', async () => {
  const downPort = await reservePort();
  const child = await spawnSidecar({
    upstreamUrl: `http://127.0.0.1:${downPort}`,
    langfuseUrl: `http://127.0.0.1:${await reservePort()}`,
    env: { LOG_LEVEL: 'trace', SIDECAR_EXPORT_TIMEOUT_MS: '300' },
  });
  children.push(child);
  for (let i = 0; i < 20; i++) await sendRequest(`${child.url}/v1/chat/completions`, { headers: { ...KEY_HEADERS, 'content-type': 'application/json' }, body: chatBody(`down ${i}`, i % 2 === 1) });
  await fetch(`${child.url}/_sidecar/ready`);
  await new Promise((resolve) => setTimeout(resolve, 800));
  await child.stop();

  // A configuration error names the bad variable and value: a URL with a key in it must not be echoed whole.
  // spawnSidecar rejects with everything the process printed before it exited.
  const said = await spawnSidecar({ upstreamUrl: `ftp://admin:${MARKERS.masterKey}@litellm:4000`, langfuseUrl: langfuse.url, startTimeoutMs: 5000 }).then(
    async (c) => {
      children.push(c);
      return 'started, which it should not have';
    },
    (error: Error) => error.message,
  );
  extraLines.push(said);
  const hits = findMarkers(collectOutput());
  recordRow({
    family: 'secrets',
    fault: 'error paths: LiteLLM down, Langfuse refused, invalid config with a key in a URL',
    requests: 21,
    failures: hits.length,
    note: `config error still names the variable: ${said.includes('LITELLM_BASE_URL')}; hits: ${hits.map((h) => h.marker).join(', ') || 'none'}`,
    ok: hits.length === 0 && said.includes('LITELLM_BASE_URL'),
  });
  expect(hits).toEqual([]);
  expect(said).toContain('LITELLM_BASE_URL');
});

test('the upstream still receives every credential the client sent (the scan is not passing by dropping them)', async () => {
  const child = await spawnSidecar({ upstreamUrl: upstream.url, langfuseUrl: langfuse.url });
  children.push(child);
  const before = upstream.received.length;
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${child.url}/v1/chat/completions?key=${MARKERS.geminiKey}`, { method: 'POST', headers: { ...KEY_HEADERS, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'm', api_key: MARKERS.openaiKey, messages: [] }));
  });
  const got = upstream.received[before];
  await child.stop();
  expect(got?.headers.authorization).toBe(`Bearer ${MARKERS.masterKey}`);
  expect(got?.headers['x-api-key']).toBe(MARKERS.anthropicKey);
  expect(got?.headers['api-key']).toBe(MARKERS.azureKey);
  expect(got?.headers['x-goog-api-key']).toBe(MARKERS.geminiKey);
  expect(got?.url).toContain(MARKERS.geminiKey);
  expect(got?.body.toString()).toContain(MARKERS.openaiKey);
});
