import { chatCompletion, chatStreamEvents, sendJson, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { createGate, openStream, postJson, sendRequest } from './support/http-client';
import { spawnCli, type CliProcess } from './support/spawn-cli';
import { waitForTraceOf } from './support/span-helpers';

jest.setTimeout(40_000);

const isListening = (line: Record<string, unknown>) => line.msg === 'listening';
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('the sidecar as a process (npm start)', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  const running: CliProcess[] = [];

  /** Starts the CLI and waits for its `listening` line; returns its URL. */
  async function start(env: Record<string, string>): Promise<{ cli: CliProcess; url: string; listening: Record<string, unknown> }> {
    const cli = spawnCli({ PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LITELLM_BASE_URL: fake.url, ...env });
    running.push(cli);
    const listening = await cli.waitForLine(isListening, 'listening');
    return { cli, url: `http://127.0.0.1:${String(listening.port)}`, listening };
  }

  beforeAll(async () => {
    fake = await startFakeLitellm();
    langfuse = await startFakeLangfuse();
  });
  afterEach(async () => {
    for (const cli of running.splice(0)) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
    }
  });
  afterAll(async () => {
    await fake.close();
    await langfuse.close();
  });

  test('logs one JSON `listening` line with the real port, serves, and on SIGTERM finishes the in-flight stream, delivers its trace and exits 0', async () => {
    const { cli, url, listening } = await start({
      LANGFUSE_BASE_URL: langfuse.url,
      LANGFUSE_PUBLIC_KEY: 'pk-lf-cli',
      LANGFUSE_SECRET_KEY: 'sk-lf-cli-secret',
      SIDECAR_EXPORT_INTERVAL_MS: '20',
    });
    expect(listening).toMatchObject({ level: 30, msg: 'listening', host: '127.0.0.1', port: expect.any(Number) });
    expect(listening.port).not.toBe(0);
    expect(cli.lines.filter(isListening)).toHaveLength(1);

    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('from the cli'));
    const first = await postJson(url, '/v1/chat/completions', chat);
    expect(JSON.parse(first.body.toString()).choices[0].message.content).toBe('from the cli');
    await waitForTraceOf(langfuse, first);

    const gate = createGate();
    const events = chatStreamEvents(['in', 'flight']);
    fake.handle = async (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0]);
      await gate.promise;
      res.end(events.slice(1).join(''));
    };
    const stream = await openStream(url, { path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...chat, stream: true }) });
    await stream.waitForText('data: ');
    cli.child.kill('SIGTERM');
    await cli.waitForLine((line) => String(line.msg).startsWith('shutting down'), 'shutting down');
    gate.open();
    await expect(stream.done).resolves.toBe(events.join(''));
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    await waitForTraceOf(langfuse, stream);
    expect(cli.lines.find((line) => line.msg === 'stopped')).toMatchObject({ abandonedRequests: 0, abandonedTraces: 0, tracesExported: 2 });
    // The request log lines made it out too, one per request, and no secret did.
    expect(cli.lines.filter((line) => line.msg === 'request')).toHaveLength(2);
    expect(cli.stdout() + cli.stderr()).not.toContain('sk-lf-cli-secret');
  });

  test('bad config exits 1 and names every wrong variable on stderr', async () => {
    const cli = spawnCli({ LITELLM_BASE_URL: 'nope', SIDECAR_CAPTURE_MAX_BYTES: '-1', LANGFUSE_PUBLIC_KEY: 'pk-only', PORT: '1.5' });
    running.push(cli);
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    for (const name of ['LITELLM_BASE_URL', 'SIDECAR_CAPTURE_MAX_BYTES', 'LANGFUSE_SECRET_KEY', 'PORT']) expect(cli.stderr()).toContain(name);
    expect(cli.lines.filter(isListening)).toHaveLength(0);
  });

  test('without Langfuse keys: one warning line at start-up, and it still proxies (untraced)', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('proxied only'));
    const { cli, url } = await start({});
    const warnings = cli.lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toMatch(/LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are not set/);
    const response = await postJson(url, '/v1/chat/completions', chat);
    expect(JSON.parse(response.body.toString()).choices[0].message.content).toBe('proxied only');
    expect(response.headers['x-langfuse-trace-id']).toBeUndefined();
    expect((await sendRequest(url, { path: '/_sidecar/health' })).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });
});
