import { sendJson, type FakeLitellm } from './support/fake-litellm';
import { type FakeLangfuse } from './support/fake-langfuse';
import { openStream, postJson, readMetric } from './support/http-client';
import { ATTR, readMetadata, waitForTraceOf } from './support/span-helpers';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

describe('edge cases found while wiring interpret/ into the recorder', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack());
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('a redirect on an LLM route (LiteLLM answers a trailing slash with 307) is forwarded but not traced', async () => {
    fake.handle = (_req, _body, res) => {
      res.writeHead(307, { location: '/v1/chat/completions', 'content-length': '0' });
      res.end();
    };
    const recordedBefore = await readMetric(sidecar.url, 'sidecar_traces_recorded_total');
    const response = await postJson(sidecar.url, '/v1/chat/completions/', { model: 'demo', messages: [] });
    expect(response.status).toBe(307);
    expect(response.headers.location).toBe('/v1/chat/completions');
    // Follow with a traced call, so "not recorded" is checked after the sidecar certainly finished the redirect.
    fake.handle = (_req, _body, res) => sendJson(res, 200, { id: 'x', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    await waitForTraceOf(langfuse, await postJson(sidecar.url, '/v1/chat/completions', { model: 'demo', messages: [] }));
    expect(await readMetric(sidecar.url, 'sidecar_traces_recorded_total')).toBe(recordedBefore + 1);
  });

  test('an Azure-style route names the model in the path when the body does not', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
    const response = await postJson(sidecar.url, '/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21', { messages: [{ role: 'user', content: 'hi' }] });
    const span = await waitForTraceOf(langfuse, response);
    expect(span.attributes[ATTR.model]).toBe('my-gpt');
  });

  test('a client closing after a data-only message_stop frame (LiteLLM /v1/messages) completed its call', async () => {
    const frames = [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], usage: { input_tokens: 3, output_tokens: 0 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } },
      { type: 'message_stop' },
    ].map((frame) => `data: ${JSON.stringify(frame)}\n\n`);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.handle = async (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frames.join(''));
      await held; // the response never ends by itself: only the client's close ends the call
      res.end();
    };
    const stream = await openStream(sidecar.url, { method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-x', stream: true, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
    await stream.waitForText('message_stop');
    stream.destroy();
    const span = await waitForTraceOf(langfuse, { headers: stream.headers });
    release();
    expect(span.attributes[ATTR.level]).toBeUndefined();
    expect(readMetadata(span).client_aborted).toBeUndefined();
  });
});
