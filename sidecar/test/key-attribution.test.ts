import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatCompletion, sendJson, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { createGate, postJson, readMetric, waitUntil } from './support/http-client';
import { ATTR, readPrefixed, waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const MASTER = 'sk-master-attribution-test';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** /key/info and /team/info answers shaped as LiteLLM 1.110.2 returns them (info_key_fn, team_info; trimmed of nulls). */
function keyInfoAnswer(hash: string, info: Record<string, unknown>) {
  return {
    key: hash,
    info: { key_name: 'sk-...cdef', spend: 0.12, max_budget: null, expires: null, models: [], aliases: {}, config: {}, permissions: {}, blocked: null, status: 'active', ...info },
  };
}
const teamInfoAnswer = (teamId: string, alias: string) => ({ team_id: teamId, team_info: { team_id: teamId, team_alias: alias, members_with_roles: [], metadata: {} }, keys: [], team_memberships: [] });

type KeyInfoMode = 'ok' | 'unauthorized' | 'no-database' | 'not-found';

/**
 * With LITELLM_MASTER_KEY, the sidecar asks LiteLLM who each virtual key belongs to and records it the way LiteLLM's
 * own Langfuse logging does, off the request path: the client's response never waits for the lookup, a lookup not
 * back yet leaves the call traced without it, and a LiteLLM that cannot answer is asked once, not per call.
 */
describe('key, team and user attribution from LiteLLM', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;
  let mode: KeyInfoMode = 'ok';
  let keyInfoGate: Promise<void> | undefined;
  const keys: Record<string, Record<string, unknown>> = {
    [sha256('sk-alpha')]: { key_alias: 'checkout-prod', user_id: 'user-42', team_id: 'team-7', organization_id: 'org-1', metadata: { tags: ['checkout'] } },
    [sha256('sk-bravo')]: { key_alias: 'batch-jobs', user_id: null, team_id: null, metadata: {} },
  };

  async function answerManagement(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/health/') && (req.headers.authorization !== `Bearer ${MASTER}` || mode === 'unauthorized')) return sendJson(res, 401, { error: { message: 'Authentication Error, Invalid proxy server token passed.', type: 'auth_error', code: '401' } });
    // LiteLLM 1.110.2 without a database (seen in the e2e suite): a bare 500 from /key/info, the cause in readiness.
    if (url.pathname === '/health/readiness') return sendJson(res, 200, { status: 'healthy', db: mode === 'no-database' ? 'Not connected' : 'connected' });
    if (mode === 'no-database') return sendJson(res, 500, { error: { message: 'Internal server error from /key/info. Details are in the proxy server logs.', type: 'internal_error', param: null, code: '500' } });
    if (url.pathname === '/key/info') {
      await keyInfoGate;
      const hash = url.searchParams.get('key') ?? '';
      const info = keys[hash];
      if (!info || mode === 'not-found') return sendJson(res, 404, { error: { message: 'Key not found in database', type: 'not_found_error', param: 'key', code: '404' } });
      return sendJson(res, 200, keyInfoAnswer(hash, info));
    }
    if (url.pathname === '/team/info') return sendJson(res, 200, teamInfoAnswer(url.searchParams.get('team_id') ?? '', 'payments'));
    sendJson(res, 404, { detail: 'Not Found' });
  }

  const management = () => fake.received.filter((r) => r.url.startsWith('/key/info') || r.url.startsWith('/team/info'));
  const call = (key: string, metadata: Record<string, unknown> = {}) =>
    postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], metadata }, { authorization: `Bearer ${key}` });

  beforeEach(async () => {
    mode = 'ok';
    keyInfoGate = undefined;
    fake = await startFakeLitellm(async (req, _body, res) => {
      if (req.url?.startsWith('/key/') || req.url?.startsWith('/team/') || req.url?.startsWith('/health/')) return answerManagement(req, res);
      sendJson(res, 200, chatCompletion('hello'));
    });
    langfuse = await startFakeLangfuse();
    sidecar = await startSidecar(fake.url, langfuse.url, { LITELLM_MASTER_KEY: MASTER });
  });
  afterEach(async () => {
    await sidecar.close();
    await fake.close();
    await langfuse.close();
  });

  test("recorded with LiteLLM's names: alias, team, user (as the trace's user), org, the key's tags and default key:value tags", async () => {
    // Warm: the first call starts the lookup; its answer is in by the time later calls are encoded.
    await call('sk-alpha');
    await waitUntil(() => management().length >= 2 && sidecar.sidecar.metrics.keyInfoLookups.found === 1, 'the key and team lookups');
    const span = await waitForTraceOf(langfuse, await call('sk-alpha', { tags: ['client-tag'] }));
    expect(readPrefixed(span, 'langfuse.observation.metadata')).toMatchObject({
      user_api_key_hash: sha256('sk-alpha'),
      user_api_key_alias: 'checkout-prod',
      user_api_key_user_id: 'user-42',
      user_api_key_team_id: 'team-7',
      user_api_key_team_alias: 'payments',
      user_api_key_org_id: 'org-1',
    });
    expect(span.attributes[ATTR.userId]).toBe('user-42');
    expect(span.attributes[ATTR.tags]).toEqual(['client-tag', 'checkout', 'user_api_key_alias:checkout-prod', 'user_api_key_team_alias:payments']);
    // By the key's hash, with the master key; the client's key is never sent in any other form.
    expect(management().map((r) => r.url)).toEqual([`/key/info?key=${sha256('sk-alpha')}`, '/team/info?team_id=team-7&key_limit=1']);
    expect(management().every((r) => r.headers.authorization === `Bearer ${MASTER}`)).toBe(true);
    // Cached: a second call asked nothing more.
    expect(management()).toHaveLength(2);
  });

  test("a client's own user wins over the key's; a key without a team asks no team question", async () => {
    await call('sk-bravo');
    await waitUntil(() => sidecar.sidecar.metrics.keyInfoLookups.found === 1, 'the key lookup');
    const span = await waitForTraceOf(langfuse, await call('sk-bravo', { trace_user_id: 'end-user-9' }));
    expect(span.attributes[ATTR.userId]).toBe('end-user-9');
    expect(span.attributes[ATTR.tags]).toEqual(['user_api_key_alias:batch-jobs']);
    expect(management().map((r) => r.url)).toEqual([`/key/info?key=${sha256('sk-bravo')}`]);
  });

  test('a slow lookup never delays the response; the call is traced with what is known, and the next one gets the answer', async () => {
    const gate = createGate();
    keyInfoGate = gate.promise;
    const first = await call('sk-alpha');
    expect(first.status).toBe(200);
    // The response is back while LiteLLM has not answered the lookup yet.
    expect(sidecar.sidecar.metrics.keyInfoLookups.found).toBe(0);
    const firstSpan = await waitForTraceOf(langfuse, first);
    expect(readPrefixed(firstSpan, 'langfuse.observation.metadata').user_api_key_alias).toBeUndefined();
    gate.open();
    await waitUntil(() => sidecar.sidecar.metrics.keyInfoLookups.found === 1, 'the key lookup');
    const second = await waitForTraceOf(langfuse, await call('sk-alpha'));
    expect(readPrefixed(second, 'langfuse.observation.metadata').user_api_key_alias).toBe('checkout-prod');
  });

  test.each([
    ['unauthorized', 'unauthorized'],
    ['no-database', 'no_database'],
  ] as const)('%s: asked once, counted, and every call still traced; no storm across keys', async (failing, reason) => {
    mode = failing;
    const responses = [];
    for (const key of ['sk-alpha', 'sk-bravo', 'sk-charlie', 'sk-alpha']) responses.push(await call(key));
    for (const response of responses) expect((await waitForTraceOf(langfuse, response)).attributes[ATTR.type]).toBe('generation');
    await waitUntil(() => sidecar.sidecar.metrics.keyInfoFailures[reason] === 1, 'the failure count');
    expect(management()).toHaveLength(1);
    expect(await readMetric(sidecar.url, `sidecar_key_info_failures_total{reason="${reason}"}`)).toBe(1);
  });

  test('until LiteLLM has answered once, one lookup probes alone (regression: a database-less LiteLLM was asked twice)', async () => {
    const gate = createGate();
    keyInfoGate = gate.promise;
    for (const key of ['sk-alpha', 'sk-bravo', 'sk-charlie']) expect((await call(key)).status).toBe(200);
    expect(management()).toHaveLength(1);
    gate.open();
    await waitUntil(() => sidecar.sidecar.metrics.keyInfoLookups.found === 1, 'the first answer');
    // Answering now: the next new keys are looked up side by side.
    await call('sk-bravo');
    await waitUntil(() => sidecar.sidecar.metrics.keyInfoLookups.found === 2, 'the second key');
  });

  test('a key LiteLLM does not know is counted as not found, and not asked again within the TTL', async () => {
    mode = 'not-found';
    await call('sk-unknown');
    await waitUntil(() => sidecar.sidecar.metrics.keyInfoLookups.not_found === 1, 'the lookup');
    await call('sk-unknown');
    expect(management()).toHaveLength(1);
  });

  test('the master key itself is never looked up, and no key reaches Langfuse or the logs', async () => {
    await call(MASTER);
    await call('sk-alpha');
    await waitUntil(() => sidecar.sidecar.metrics.keyInfoLookups.found === 1, 'the key lookup');
    await waitForTraceOf(langfuse, await call('sk-alpha'));
    expect(management().filter((r) => r.url.includes(sha256(MASTER)))).toHaveLength(0);
    const everything = [...langfuse.requests.map((r) => r.body), ...sidecar.rawLogs].join('\n');
    expect(everything).not.toContain(MASTER);
    expect(everything).not.toContain('sk-alpha');
  });
});

describe('without LITELLM_MASTER_KEY', () => {
  test('nothing is asked of LiteLLM and traces are as before', async () => {
    const fake = await startFakeLitellm();
    const langfuse = await startFakeLangfuse();
    const sidecar = await startSidecar(fake.url, langfuse.url);
    try {
      const span = await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', { model: 'm', messages: [] }, { authorization: 'Bearer sk-alpha' }));
      expect(readPrefixed(span, 'langfuse.observation.metadata').user_api_key_alias).toBeUndefined();
      expect(fake.received.map((r) => r.url)).toEqual(['/v1/chat/completions']);
    } finally {
      await sidecar.close();
      await fake.close();
      await langfuse.close();
    }
  });
});
