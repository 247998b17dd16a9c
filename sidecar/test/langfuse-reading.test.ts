import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chatCompletion, sendJson } from './support/fake-litellm';
import { postJson, sendRequest } from './support/http-client';
import { ATTR, readStoredVersion, waitForTraceOf } from './support/span-helpers';
import { startSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack, type TestStack } from './support/test-stack';

// Issue 12, part 2: what Langfuse v4's ingestion makes of the exports (OtelIngestionProcessor and the OTel route in
// langfuse/langfuse), checked on the bytes the fake Langfuse received.
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

describe('exports as Langfuse reads them', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ LANGFUSE_TRACING_ENVIRONMENT: 'Production' });
  });
  afterAll(async () => {
    await closeTestStack(stack);
  });

  test('a trace has no version unless the client gave one (the sidecar\'s own version is not the trace\'s)', async () => {
    const plain = await postJson(stack.sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'no version' }] });
    expect(readStoredVersion(await waitForTraceOf(stack.langfuse, plain))).toBeNull();
    const versioned = await postJson(stack.sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'v3' }], metadata: { trace_version: 'v3' } });
    expect(readStoredVersion(await waitForTraceOf(stack.langfuse, versioned))).toBe('v3');
  });

  test('the sidecar names itself as the telemetry SDK, in the resource and in the export headers, with ingestion version 4', async () => {
    const response = await postJson(stack.sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'who' }] });
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(span.resource).toEqual({ 'service.name': 'litellm-langfuse-sidecar', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'litellm-langfuse-sidecar', 'telemetry.sdk.version': PACKAGE_VERSION });
    const exportRequest = stack.langfuse.requests.at(-1);
    expect(exportRequest?.headers).toMatchObject({
      'x-langfuse-ingestion-version': '4',
      'x-langfuse-sdk-name': 'litellm-langfuse-sidecar',
      'x-langfuse-sdk-version': PACKAGE_VERSION,
      'x-langfuse-public-key': 'pk-lf-test',
    });
  });

  test('the environment goes out as Langfuse stores it: lowercased', async () => {
    const response = await postJson(stack.sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'env' }] });
    expect((await waitForTraceOf(stack.langfuse, response)).attributes[ATTR.environment]).toBe('production');
  });

  test('observation types: generation for chat, embedding for embeddings', async () => {
    stack.fake.handle = (req, _body, res) =>
      req.url?.includes('embeddings')
        ? sendJson(res, 200, { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.25] }], usage: { prompt_tokens: 2, total_tokens: 2 } })
        : sendJson(res, 200, chatCompletion('typed'));
    const chat = await postJson(stack.sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'type' }] });
    const embedding = await postJson(stack.sidecar.url, '/v1/embeddings', { model: 'text-embedding-3-small', input: 'type' });
    expect((await waitForTraceOf(stack.langfuse, chat)).attributes[ATTR.type]).toBe('generation');
    expect((await waitForTraceOf(stack.langfuse, embedding)).attributes[ATTR.type]).toBe('embedding');
  });

  test('a route that is not a model call (SIDECAR_TRACE_ALL_ROUTES=true) is a plain span', async () => {
    const sidecar = await startSidecar(stack.fake.url, stack.langfuse.url, { SIDECAR_TRACE_ALL_ROUTES: 'true' });
    try {
      stack.fake.handle = (_req, _body, res) => sendJson(res, 200, { data: [], object: 'list' });
      const response = await sendRequest(sidecar.url, { path: '/v1/models' });
      expect((await waitForTraceOf(stack.langfuse, response)).attributes[ATTR.type]).toBe('span');
    } finally {
      await sidecar.close();
    }
  });
});
