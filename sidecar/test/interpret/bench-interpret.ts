/**
 * Micro-benchmark of the interpret layer: what it costs per traced call, off the request path.
 * Run: `npx tsx sidecar/test/interpret/bench-interpret.ts` (not part of `npm test`: no timing asserts).
 * Prints microseconds per call (median of several runs) for typical bodies.
 */
import { interpretRequest, interpretResponse, interpretStream, parseSseEvents } from '../../src/interpret';
import { toSseBody, typedFrames } from './helpers';

const lorem = 'The quick brown fox jumps over the lazy dog. ';

/** A ~1 KB chat request and its ~1 KB JSON reply. */
const chatRequest = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: lorem.repeat(18) },
  ],
  temperature: 0.2,
  max_tokens: 256,
  stream: false,
});
const chatReply = JSON.stringify({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: lorem.repeat(18), refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 190, completion_tokens: 180, total_tokens: 370, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
});

/** A chat stream of `n` content chunks (LiteLLM framing) plus the usage chunk and [DONE]. */
function chatStream(n: number): Buffer {
  const base = { id: 'chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2', object: 'chat.completion.chunk', created: 1738960610, model: 'gpt-4o-mini-2024-07-18' };
  let body = '';
  for (let i = 0; i < n; i++) {
    const chunk = { ...base, choices: [{ index: 0, delta: { content: i === 0 ? 'Hello' : ' word', role: i === 0 ? 'assistant' : null, tool_calls: null, function_call: null }, finish_reason: null, logprobs: null }] };
    body += `data: ${JSON.stringify(chunk)}\n\n`;
  }
  body += `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: n, total_tokens: 20 + n } })}\n\ndata: [DONE]\n\n`;
  return Buffer.from(body);
}

/** An Anthropic stream of `n` text deltas. */
function messagesStream(n: number): Buffer {
  const deltas = Array.from({ length: n }, () => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' word' } }));
  return Buffer.from(
    toSseBody(
      typedFrames(
        { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', usage: { input_tokens: 25, output_tokens: 1 } } },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        ...deltas,
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: n } },
        { type: 'message_stop' },
      ),
    ),
  );
}

/** A Responses API stream of `n` text deltas and the terminal response.completed. */
function responsesStream(n: number): Buffer {
  const text = ' word'.repeat(n);
  const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
  const deltas = Array.from({ length: n }, (_, i) => ({ type: 'response.output_text.delta', sequence_number: i + 2, item_id: 'msg_1', output_index: 0, content_index: 0, delta: ' word' }));
  return Buffer.from(
    toSseBody(
      typedFrames(
        { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', object: 'response', status: 'in_progress', model: 'gpt-4.1', output: [], usage: null } },
        { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
        ...deltas,
        { type: 'response.output_item.done', sequence_number: n + 2, output_index: 0, item },
        { type: 'response.completed', sequence_number: n + 3, response: { id: 'resp_1', object: 'response', status: 'completed', model: 'gpt-4.1', output: [item], usage: { input_tokens: 20, output_tokens: n, total_tokens: 20 + n } } },
      ),
    ),
  );
}

/** Median microseconds per call of `fn` over `runs` runs of `iterations` calls, after a warm-up. */
function measure(fn: () => unknown, iterations: number, runs = 7): number {
  for (let i = 0; i < iterations; i++) fn();
  const perCall: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(runs / 2)] as number;
}

function report(name: string, bytes: number, fn: () => unknown, iterations: number): void {
  const us = measure(fn, iterations);
  const mbPerS = bytes / us; // bytes per microsecond = MB/s
  console.log(`${name.padEnd(58)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB ${us.toFixed(1).padStart(9)} µs/call ${mbPerS.toFixed(0).padStart(6)} MB/s`);
}

const chat20 = chatStream(20);
const chat200 = chatStream(200);
const messages200 = messagesStream(200);
const responses200 = responsesStream(200);
const chatMiB = chatStream(4000); // ~1 MiB, the default capture cap

console.log(`node ${process.version}, ${process.arch}`);
report('chat JSON: interpretRequest + interpretResponse (pre-parsed)', chatRequest.length + chatReply.length, (() => {
  const req = JSON.parse(chatRequest) as unknown;
  const res = JSON.parse(chatReply) as unknown;
  return () => [interpretRequest('chat', req), interpretResponse('chat', res)];
})(), 20000);
report('chat JSON: JSON.parse both + interpret', chatRequest.length + chatReply.length, () => [interpretRequest('chat', JSON.parse(chatRequest)), interpretResponse('chat', JSON.parse(chatReply))], 20000);
report('chat stream, 20 chunks: parseSseEvents + interpretStream', chat20.length, () => interpretStream('chat', parseSseEvents(chat20)), 5000);
report('chat stream, 200 chunks: parseSseEvents + interpretStream', chat200.length, () => interpretStream('chat', parseSseEvents(chat200)), 500);
report('chat stream, 200 chunks: parseSseEvents only', chat200.length, () => parseSseEvents(chat200), 500);
report('anthropic stream, 200 deltas: parse + interpret', messages200.length, () => interpretStream('messages', parseSseEvents(messages200)), 500);
report('responses stream, 200 deltas + completed: parse + interpret', responses200.length, () => interpretStream('responses', parseSseEvents(responses200)), 500);
report('chat stream, ~1 MiB (4000 chunks): parse + interpret', chatMiB.length, () => interpretStream('chat', parseSseEvents(chatMiB)), 20);
report('chat stream, ~1 MiB: parseSseEvents only', chatMiB.length, () => parseSseEvents(chatMiB), 20);
