import { chatCompletion, sendJson, type FakeLitellm } from './support/fake-litellm';
import { type FakeLangfuse } from './support/fake-langfuse';
import { sendRequest } from './support/http-client';
import { ATTR, readJsonAttribute, readMetadata, waitForTraceOf } from './support/span-helpers';
import type { TestSidecar } from './support/start-sidecar';
import { closeTestStack, startTestStack } from './support/test-stack';

/**
 * Large prompts (a pasted document, a long conversation) are recorded from the bytes the client sent rather
 * than parsed and serialized again (trace/lift-prompt.ts). What reaches Langfuse must be the same input, with
 * the client's own layout (a Python client's `json.dumps` spacing and \\u escapes) read back to the same value.
 */
describe('a large prompt is traced whole and exactly', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    ({ fake, langfuse, sidecar } = await startTestStack());
    fake.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('summary'));
  });
  afterAll(async () => {
    await closeTestStack({ fake, langfuse, sidecar });
  });

  test('a 200 KB document with non-ASCII text, sent pretty-printed with ASCII escapes, arrives as the same messages', async () => {
    const document = 'Käse, naïve café — 東京 😀 "quoted" \\ back\nslash. '.repeat(4000);
    const messages = [
      { role: 'system', content: 'Summarize.' },
      { role: 'user', content: document },
    ];
    const pythonStyle = JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0.1, user: 'doc-user', metadata: { session_id: 's-large' } }, null, 1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const response = await sendRequest(sidecar.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: pythonStyle });
    expect(response.status).toBe(200);
    const span = await waitForTraceOf(langfuse, response);
    expect(readJsonAttribute(span, ATTR.input)).toEqual(messages);
    // Recorded as sent (escapes and all), not re-serialized.
    expect(span.attributes[ATTR.input]).toContain('\\u00e4');
    expect(span.attributes[ATTR.userId]).toBe('doc-user');
    expect(span.attributes[ATTR.sessionId]).toBe('s-large');
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ temperature: 0.1 });
    expect(readMetadata(span).request_bytes).toBe(String(Buffer.byteLength(pythonStyle)));
  });
});
