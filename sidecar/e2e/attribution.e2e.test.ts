import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOpenAiClient, readStack, readTraceIdHeader, waitForTrace } from './e2e-helpers';
import { MASTER_KEY, startSidecar } from './start-stack';
import type { LoggedProcess } from './spawn-process';

const stack = readStack();

async function readMetric(url: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/_sidecar/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

// Issue 13 against the real LiteLLM 1.110.2. Its database layer needs Prisma's query engine, which downloads from
// binaries.prisma.sh (unreachable from these machines), so this LiteLLM runs without a database: it then knows
// the master key only. What is checked here is what such a deployment sees: the sidecar given LITELLM_MASTER_KEY
// asks once, classifies LiteLLM's own answer as "no database", pauses, and every call is traced as before. The
// answers of a LiteLLM with a database are tested against a fake copied from its response models
// (sidecar/test/key-attribution.test.ts).
describe('attribution, nesting and sampling through the real LiteLLM', () => {
  let sidecar: { proc: LoggedProcess; url: string } | undefined;

  beforeAll(async () => {
    sidecar = await startSidecar(stack.litellmUrl, stack.fakeLangfuseUrl, stack.logDir, { logName: 'sidecar-attribution.log', env: { LITELLM_MASTER_KEY: MASTER_KEY } });
  }, 60_000);
  afterAll(async () => {
    await sidecar?.proc.stop('SIGTERM', 30_000);
  });

  test("LiteLLM without a database: one key lookup, classified from LiteLLM's own answer; calls traced as before", async () => {
    const url = sidecar?.url as string;
    // The master key is never looked up (LiteLLM has no row for it).
    const ok = await createOpenAiClient(url).chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'attributed?' }] }).withResponse();
    // Keys LiteLLM cannot know without a database: LiteLLM refuses them; the sidecar asks about the first one only.
    for (const key of ['sk-virtual-one', 'sk-virtual-two', 'sk-virtual-three']) {
      // LiteLLM 1.110.2 without a database answers an unknown key with 400 ("No connected db."), not 401.
      await expect(createOpenAiClient(url, key).chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'who am I?' }] })).rejects.toMatchObject({ status: 400 });
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await readMetric(url, 'sidecar_key_info_lookups_total{result="failed"}')) !== 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await readMetric(url, 'sidecar_key_info_lookups_total{result="failed"}')).toBe(1);
    expect(await readMetric(url, 'sidecar_key_info_failures_total{reason="no_database"}')).toBe(1);
    const spans = await waitForTrace(stack, readTraceIdHeader(ok.response.headers));
    expect(spans[0]?.attributes['langfuse.observation.metadata.user_api_key_alias']).toBeUndefined();
    const log = readFileSync(join(stack.logDir, 'sidecar-attribution.log'), 'utf8');
    expect(log).toContain('LiteLLM has no database');
    expect(log).not.toContain(MASTER_KEY);
  });

  test("a caller's traceparent: the generation is the caller's span's child; LiteLLM gets the header as sent", async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { response } = await createOpenAiClient(sidecar?.url as string)
      .chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'nested?' }] }, { headers: { traceparent } })
      .withResponse();
    expect(readTraceIdHeader(response.headers)).toBe('0af7651916cd43dd8448eb211c80319c');
    const [span] = await waitForTrace(stack, '0af7651916cd43dd8448eb211c80319c');
    expect(span?.parentSpanId).toBe('b7ad6b7169203331');
    expect(span?.attributes['langfuse.internal.is_app_root']).toBe(true);
  });
});
