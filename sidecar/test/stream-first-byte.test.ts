import { chatStreamEvents, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { createGate, openStream, type Gate } from './support/http-client';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

/**
 * The first byte must not wait for the sidecar: the fake holds the rest of the stream behind a gate
 * that only the client, having received the first chunk, can open. A buffering sidecar deadlocks here.
 */
describe('streams reach the client chunk by chunk', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;
  let gate: Gate;

  beforeAll(async () => {
    fake = await startFakeLitellm();
    langfuse = await startFakeLangfuse();
    sidecar = await startSidecar(fake.url, langfuse.url);
  });
  afterEach(() => gate?.open());
  afterAll(async () => {
    await sidecar.close();
    await fake.close();
    await langfuse.close();
  });

  const chatBody = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const headers = { 'content-type': 'application/json' };

  test('the first SSE chunk arrives before LiteLLM sends the rest', async () => {
    gate = createGate();
    const events = chatStreamEvents(['first-piece', 'second-piece']);
    fake.handle = async (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events.slice(0, 2).join(''));
      await gate.promise;
      for (const event of events.slice(2)) res.write(event);
      res.end();
    };
    const stream = await openStream(sidecar.url, { path: '/v1/chat/completions', headers, body: chatBody });
    await stream.waitForText('first-piece');
    expect(stream.received()).not.toContain('second-piece');
    gate.open();
    const whole = await stream.done;
    expect(whole).toBe(events.join(''));
  });

  test('the response head reaches the client before the first event exists', async () => {
    gate = createGate();
    fake.handle = async (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-litellm-call-id': 'call-head' });
      res.flushHeaders();
      await gate.promise;
      res.end(chatStreamEvents(['late']).join(''));
    };
    const stream = await openStream(sidecar.url, { path: '/chat/completions', headers, body: chatBody });
    expect(stream.status).toBe(200);
    expect(stream.headers['x-litellm-call-id']).toBe('call-head');
    expect(stream.headers['x-langfuse-trace-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(stream.received()).toBe('');
    gate.open();
    await expect(stream.done).resolves.toContain('late');
  });

  test('every chunk of an Anthropic /v1/messages stream is relayed as it comes', async () => {
    gate = createGate();
    const pieces = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":3,"output_tokens":0}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"early"}}\n\n',
    ];
    const rest = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    fake.handle = async (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of pieces) res.write(piece);
      await gate.promise;
      res.end(rest);
    };
    const stream = await openStream(sidecar.url, { path: '/v1/messages', headers, body: JSON.stringify({ model: 'claude-x', stream: true, max_tokens: 10, messages: [] }) });
    await stream.waitForText('"early"');
    expect(stream.received()).toBe(pieces.join(''));
    gate.open();
    await expect(stream.done).resolves.toBe(pieces.join('') + rest);
  });
});
