import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatCompletion, sendJson, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { postJson, readMetric, waitUntil } from './support/http-client';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const MASTER = 'sk-master-routing';
const SECRET_B = 'sk-lf-project-b-secret';
const SECRET_PAYMENTS = 'sk-lf-payments-secret-from-env';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const basic = (publicKey: string, secretKey: string) => `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString('base64')}`;

/** A fake LiteLLM that answers chats, and /key/info and /team/info for two virtual keys. */
async function startLitellmWithKeys(): Promise<FakeLitellm> {
  const keys: Record<string, Record<string, unknown>> = {
    [sha256('sk-payments-key')]: { key_alias: 'pay-prod', team_id: 'team-pay', metadata: {} },
    [sha256('sk-other-key')]: { key_alias: 'other', team_id: null, metadata: {} },
  };
  return startFakeLitellm((req, _body, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/key/info') {
      const info = keys[url.searchParams.get('key') ?? ''];
      return info ? sendJson(res, 200, { key: url.searchParams.get('key'), info }) : sendJson(res, 404, { error: { message: 'Key not found in database' } });
    }
    if (url.pathname === '/team/info') return sendJson(res, 200, { team_id: 'team-pay', team_info: { team_alias: 'payments' }, keys: [] });
    sendJson(res, 200, chatCompletion('hello'));
  });
}

const chat = (sidecar: TestSidecar, key: string, metadata: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], metadata, ...extra }, { authorization: `Bearer ${key}` });

/**
 * Traces go to the project a call belongs to (issue 13 §2): LiteLLM's per-request credentials, a routing file by
 * key alias, team or tag, else the default project. Each project has its own lane: one project down never delays
 * or drops another's traces, and no project's secret is seen anywhere but in its own exports' Authorization.
 */
describe('per-project routing', () => {
  let fake: FakeLitellm;
  let defaultProject: FakeLangfuse;
  let projectB: FakeLangfuse;
  let sidecar: TestSidecar;
  let dir: string;

  beforeEach(async () => {
    fake = await startLitellmWithKeys();
    defaultProject = await startFakeLangfuse();
    projectB = await startFakeLangfuse();
    dir = mkdtempSync(join(tmpdir(), 'sidecar-projects-'));
  });
  afterEach(async () => {
    await sidecar?.close();
    await fake.close();
    await defaultProject.close();
    await projectB.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("LiteLLM's per-request credentials send that call to that project, authenticated as it; other calls stay", async () => {
    sidecar = await startSidecar(fake.url, defaultProject.url, { SIDECAR_REQUEST_PROJECT_HOSTS: `${defaultProject.url},${projectB.url}` });
    const routed = await chat(sidecar, 'sk-a', { langfuse_public_key: 'pk-lf-b', langfuse_secret_key: SECRET_B, langfuse_host: projectB.url });
    const topLevel = await chat(sidecar, 'sk-a', {}, { langfuse_public_key: 'pk-lf-b', langfuse_secret: SECRET_B, langfuse_host: projectB.url });
    const stays = await chat(sidecar, 'sk-a');
    await projectB.waitForTrace(routed.headers['x-langfuse-trace-id'] as string);
    await projectB.waitForTrace(topLevel.headers['x-langfuse-trace-id'] as string);
    await defaultProject.waitForTrace(stays.headers['x-langfuse-trace-id'] as string);
    await sidecar.close();
    expect(projectB.spans()).toHaveLength(2);
    expect(defaultProject.spans()).toHaveLength(1);
    expect(projectB.requests.every((r) => r.headers.authorization === basic('pk-lf-b', SECRET_B))).toBe(true);
    expect(projectB.requests.every((r) => r.headers['x-langfuse-public-key'] === 'pk-lf-b')).toBe(true);
    // The secret is in the body LiteLLM gets (byte for byte), never in a trace, a log line or a metric.
    expect(fake.received.some((r) => r.body.includes(SECRET_B))).toBe(true);
    const everything = [...defaultProject.requests, ...projectB.requests].map((r) => r.body).join('') + sidecar.rawLogs.join('\n');
    expect(everything).not.toContain(SECRET_B);
  });

  test('a langfuse_host that is not allowed is refused and counted, never called; the per-request lanes are capped', async () => {
    sidecar = await startSidecar(fake.url, defaultProject.url, { SIDECAR_REQUEST_PROJECT_HOSTS: `${defaultProject.url},${projectB.url}`, SIDECAR_MAX_REQUEST_PROJECTS: '1' });
    const refused = await chat(sidecar, 'sk-a', { langfuse_public_key: 'pk-lf-x', langfuse_secret_key: 'sk-lf-x', langfuse_host: 'http://169.254.169.254' });
    expect(refused.status).toBe(200);
    await chat(sidecar, 'sk-a', { langfuse_public_key: 'pk-lf-b', langfuse_secret_key: SECRET_B, langfuse_host: projectB.url });
    await chat(sidecar, 'sk-a', { langfuse_public_key: 'pk-lf-c', langfuse_secret_key: 'sk-lf-c', langfuse_host: projectB.url });
    expect(await readMetric(sidecar.url, 'sidecar_traces_dropped_total{reason="project_refused"}')).toBe(2);
    await sidecar.close();
    expect(projectB.spans()).toHaveLength(1);
    expect(defaultProject.spans()).toHaveLength(0);
    // Rate-limited: the first refusal is logged at once, later ones added up on the next line.
    const counts: Record<string, number> = {};
    for (const line of sidecar.logs.filter((l) => l.msg === 'per-request Langfuse project refused; those calls are not traced')) {
      for (const [reason, count] of Object.entries(line.counts as Record<string, number>)) counts[reason] = (counts[reason] ?? 0) + count;
    }
    expect(counts).toEqual({ host_not_allowed: 1, too_many_projects: 1 });
    expect(JSON.stringify(sidecar.logs)).not.toContain('sk-lf-c');
  });

  test('SIDECAR_REQUEST_PROJECTS=false keeps every call in the default project', async () => {
    sidecar = await startSidecar(fake.url, defaultProject.url, { SIDECAR_REQUEST_PROJECTS: 'false', SIDECAR_REQUEST_PROJECT_HOSTS: projectB.url });
    const response = await chat(sidecar, 'sk-a', { langfuse_public_key: 'pk-lf-b', langfuse_secret_key: SECRET_B, langfuse_host: projectB.url });
    await defaultProject.waitForTrace(response.headers['x-langfuse-trace-id'] as string);
    expect(projectB.requests).toHaveLength(0);
  });

  test('a routing file sends a team and a tag to their project (secret from the environment); the rest stays', async () => {
    const file = join(dir, 'projects.yaml');
    writeFileSync(
      file,
      [
        'projects:',
        '  - name: payments',
        '    public_key: pk-lf-payments',
        '    secret_key_env: PAYMENTS_LANGFUSE_SECRET',
        `    base_url: ${projectB.url}`,
        'routes:',
        '  - project: payments',
        '    team_alias: payments',
        '  - project: payments',
        '    tag: [billing, invoices]',
        '',
      ].join('\n'),
    );
    sidecar = await startSidecar(fake.url, defaultProject.url, { LITELLM_MASTER_KEY: MASTER, SIDECAR_PROJECTS_FILE: file, PAYMENTS_LANGFUSE_SECRET: SECRET_PAYMENTS });
    // The first call of each key ends before LiteLLM answered about it: its route waits for the answer.
    const byTeam = await chat(sidecar, 'sk-payments-key');
    const byTag = await chat(sidecar, 'sk-other-key', { tags: ['invoices'] });
    const other = await chat(sidecar, 'sk-other-key');
    await projectB.waitForTrace(byTeam.headers['x-langfuse-trace-id'] as string);
    await projectB.waitForTrace(byTag.headers['x-langfuse-trace-id'] as string);
    await defaultProject.waitForTrace(other.headers['x-langfuse-trace-id'] as string);
    expect(projectB.requests.every((r) => r.headers.authorization === basic('pk-lf-payments', SECRET_PAYMENTS))).toBe(true);
    const metrics = await readMetric(sidecar.url, 'sidecar_project_traces_exported_total{project="payments",public_key="pk-lf-payments"}');
    expect(metrics).toBe(2);
    await sidecar.close();
    expect(defaultProject.spans()).toHaveLength(1);
    expect(sidecar.rawLogs.join('\n')).not.toContain(SECRET_PAYMENTS);
  });

  test.each([
    ['the other project hangs', 'hang'],
    ['the other project refuses its keys', 'unauthorized401'],
  ] as const)("isolation (%s): the default project's traces all arrive, promptly; the failing lane drops only its own", async (_what, mode) => {
    projectB.mode = mode;
    sidecar = await startSidecar(fake.url, defaultProject.url, {
      SIDECAR_REQUEST_PROJECT_HOSTS: `${defaultProject.url},${projectB.url}`,
      SIDECAR_EXPORT_QUEUE_MAX: '5',
      SIDECAR_EXPORT_BATCH_SIZE: '1',
      SIDECAR_EXPORT_TIMEOUT_MS: '60000',
    });
    const toB = { langfuse_public_key: 'pk-lf-b', langfuse_secret_key: SECRET_B, langfuse_host: projectB.url };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      await chat(sidecar, 'sk-a', toB);
      ids.push((await chat(sidecar, 'sk-a')).headers['x-langfuse-trace-id'] as string);
    }
    for (const id of ids) await defaultProject.waitForTrace(id, 5000);
    expect(defaultProject.spans()).toHaveLength(20);
    const defaultDropped = await readMetric(sidecar.url, `sidecar_project_traces_dropped_total{project="default",public_key="pk-lf-test",reason="queue_full"}`);
    expect(defaultDropped).toBe(0);
    if (mode === 'hang') {
      await waitUntil(async () => (await readMetric(sidecar.url, 'sidecar_project_traces_dropped_total{project="request",public_key="pk-lf-b",reason="queue_full"}')) > 0, 'drops in the hanging lane');
    } else {
      await waitUntil(async () => (await readMetric(sidecar.url, 'sidecar_project_traces_dropped_total{project="request",public_key="pk-lf-b",reason="export_failed"}')) === 20, 'export failures in the refused lane');
    }
    await sidecar.sidecar.shutdown(300);
  });
});
