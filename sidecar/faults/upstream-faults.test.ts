/**
 * Upstream (LiteLLM) faults: refused, reset mid-stream, hung (the configured timeout answers 504), slow
 * trickle, an SSE stream that never ends, and clients that abort mid-stream. Each must give the client the
 * right status or a clean stream end, record a trace at level ERROR, and leave no socket open at the fake
 * upstream; an abort must close the upstream request within 100 ms.
 */
import { LangfuseOtelSpanAttributes as A } from '@langfuse/core';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { chatCompletion, chatStreamEvents, startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse, type ReceivedSpan } from '../test/support/fake-langfuse';
import { startSidecar, type TestSidecar } from '../test/support/start-sidecar';
import { chatBody, sendRequest, type ClientResponse } from './support/client';
import { reservePort } from './support/fake-upstream';
import { findMarkers, SECRET_ENV } from './support/markers';
import { recordRow, saveEvidence } from './support/results';
import { scaled, waitFor } from './support/wait';

const N = scaled(200, 20);
const PARALLEL = 25;
const UPSTREAM_TIMEOUT_MS = 500;
const ABORT_CLOSE_TARGET_MS = 100;

let upstream: FakeLitellm;
let langfuse: FakeLangfuse;
let sidecar: TestSidecar | undefined;
/** Upstream responses not yet closed at the fake: a request the sidecar forgot would stay here. */
let openAtUpstream = 0;
const closeTimes = new Map<string, number>();

beforeAll(async () => {
  upstream = await startFakeLitellm();
  langfuse = await startFakeLangfuse('ok');
});

afterEach(async () => {
  if (sidecar) {
    saveEvidence('upstream-faults', 'logs', sidecar.rawLogs);
    await sidecar.close();
  }
  sidecar = undefined;
});

afterAll(async () => {
  saveEvidence('upstream-faults', 'exported', langfuse.requests.map((r) => r.body));
  expect(findMarkers(langfuse.requests.map((r) => r.body).join('\n'))).toEqual([]);
  await upstream.close();
  await langfuse.close();
});

/** Wraps a fake handler so every upstream response is counted until its socket closes (the leak check). */
function tracked(handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void | Promise<void>) {
  return (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    openAtUpstream++;
    const seq = String(req.headers['x-fault-seq'] ?? '');
    res.on('close', () => {
      openAtUpstream--;
      closeTimes.set(seq, performance.now());
    });
    return handler(req, body, res);
  };
}

async function start(env: Record<string, string> = {}, upstreamUrl = upstream.url): Promise<TestSidecar> {
  sidecar = await startSidecar(upstreamUrl, langfuse.url, { ...SECRET_ENV, LANGFUSE_BASE_URL: langfuse.url, ...env });
  return sidecar;
}

/** Sends `count` requests, `PARALLEL` at a time. */
async function sendMany(count: number, make: (i: number) => Promise<ClientResponse>): Promise<ClientResponse[]> {
  const results = new Array<ClientResponse>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await make(i);
      }
    }),
  );
  return results;
}

/** The spans of these responses' traces, once all have arrived. */
async function spansFor(responses: ClientResponse[]): Promise<ReceivedSpan[]> {
  const ids = new Set(responses.map((r) => r.headers['x-langfuse-trace-id'] as string | undefined).filter(Boolean));
  const find = () => langfuse.spans().filter((s) => ids.has(s.traceId));
  return waitFor(() => (find().length >= ids.size ? find() : undefined), 15_000, () => `spans ${find().length}/${ids.size}`);
}

/** Waits for the fake upstream to have no response open; returns how many stayed open. */
async function settleUpstream(): Promise<number> {
  return waitFor(() => (openAtUpstream === 0 ? 0 : undefined), 3000, () => `${openAtUpstream} upstream responses still open`).catch(() => openAtUpstream);
}

const errorSpans = (spans: ReceivedSpan[]) => spans.filter((s) => s.attributes[A.OBSERVATION_LEVEL] === 'ERROR' && s.status.code === 2);
const isSse = (r: ClientResponse) => String(r.headers['content-type']).startsWith('text/event-stream');

test('refused: every call gets 503 upstream_unavailable, a trace at ERROR, nothing left open', async () => {
  const port = await reservePort();
  const s = await start({}, `http://127.0.0.1:${port}`);
  const responses = await sendMany(N, (i) => sendRequest(`${s.url}/v1/chat/completions`, { body: chatBody(`refused ${i}`, i % 2 === 1), headers: { 'content-type': 'application/json' } }));
  const wrong = responses.filter((r) => r.status !== 503 || !r.body.toString().includes('"code":"upstream_unavailable"') || !r.complete).length;
  const spans = await spansFor(responses);
  const errors = errorSpans(spans).length;
  recordRow({ family: 'upstream', fault: 'refused', requests: N, failures: wrong, note: `503 upstream_unavailable JSON; ${errors}/${N} traces at ERROR`, ok: wrong === 0 && errors === N });
  expect(wrong).toBe(0);
  expect(errors).toBe(N);
});

test('reset mid-stream: SSE clients get a closing error event, JSON clients a cut connection; traces at ERROR', async () => {
  upstream.handle = tracked((req, body, res) => {
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = chatStreamEvents(['Hel', 'lo', ' world']);
      res.write(events[0]);
      res.write(events[1], () => setTimeout(() => req.socket.destroy(), 5));
    } else {
      const text = JSON.stringify(chatCompletion('this body will be cut'));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, 40), () => setTimeout(() => req.socket.destroy(), 5));
    }
  });
  const s = await start();
  const responses = await sendMany(N, (i) => sendRequest(`${s.url}/v1/chat/completions`, { body: chatBody(`reset ${i}`, i % 2 === 1), headers: { 'content-type': 'application/json', 'x-fault-seq': String(i) } }));
  const wrong = responses.filter((r, i) => {
    if (i % 2 === 1) return !(r.status === 200 && isSse(r) && r.complete && /data: \{"error":\{[^\n]*"code":"bad_gateway"/.test(r.body.toString()));
    return !(r.status === 200 && !r.complete);
  }).length;
  const spans = await spansFor(responses);
  const errors = errorSpans(spans).filter((span) => String(span.status.message).includes('broke off')).length;
  const open = await settleUpstream();
  recordRow({ family: 'upstream', fault: 'reset mid-stream', requests: N, failures: wrong + open, note: `SSE ends with an error event, JSON cut; ${errors}/${N} traces at ERROR; ${open} upstream sockets left open`, ok: wrong === 0 && errors === N && open === 0 });
  expect(wrong).toBe(0);
  expect(errors).toBe(N);
  expect(open).toBe(0);
});

test(`hung: the ${UPSTREAM_TIMEOUT_MS} ms timeout answers 504 (before the head) or ends the stream (after it)`, async () => {
  upstream.handle = tracked((_req, body, res) => {
    // Half hang before answering at all, half after an SSE head and one event.
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chatStreamEvents(['first'])[0]);
    }
  });
  const s = await start({ SIDECAR_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) });
  const responses = await sendMany(N, (i) => sendRequest(`${s.url}/v1/chat/completions`, { body: chatBody(`hung ${i}`, i % 2 === 1), headers: { 'content-type': 'application/json' } }));
  const wrong = responses.filter((r, i) => {
    const inTime = r.durationMs >= UPSTREAM_TIMEOUT_MS - 20 && r.durationMs < UPSTREAM_TIMEOUT_MS + 1500;
    if (i % 2 === 1) return !(inTime && r.status === 200 && r.complete && r.body.toString().includes('"code":"upstream_timeout"'));
    return !(inTime && r.status === 504 && r.complete && r.body.toString().includes('"code":"upstream_timeout"'));
  }).length;
  const worst = Math.max(...responses.map((r) => r.durationMs));
  const spans = await spansFor(responses);
  const errors = errorSpans(spans).length;
  const open = await settleUpstream();
  recordRow({ family: 'upstream', fault: 'hung (timeout 500 ms)', requests: N, failures: wrong + open, note: `504 upstream_timeout / stream error event; slowest answer ${worst.toFixed(0)} ms; ${errors}/${N} traces at ERROR; ${open} upstream sockets left open`, ok: wrong === 0 && errors === N && open === 0 });
  expect(wrong).toBe(0);
  expect(errors).toBe(N);
  expect(open).toBe(0);
});

test('slow trickle: a stream slower than nothing but quicker than the idle timeout arrives whole and unbuffered', async () => {
  const gapMs = 100;
  const events = chatStreamEvents(Array.from({ length: 12 }, (_, k) => `tok${k} `));
  upstream.handle = tracked(async (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of events) {
      if (res.destroyed) return;
      // One byte at a time inside each event, then a pause: the worst case for a buffering proxy.
      for (const byte of Buffer.from(event)) res.write(Buffer.of(byte));
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    res.end();
  });
  // The idle timeout is shorter than the whole stream (1.5 s) but longer than any gap: it must not fire.
  const s = await start({ SIDECAR_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) });
  const count = scaled(20, 4);
  const arrivals: number[][] = [];
  const responses = await sendMany(count, async (i) => {
    const times: number[] = [];
    arrivals[i] = times;
    return new Promise<ClientResponse>((resolve) => {
      const started = performance.now();
      const req = http.request(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          times.push(performance.now());
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: true, durationMs: performance.now() - started }));
      });
      req.end(chatBody(`trickle ${i}`, true));
    });
  });
  const expected = events.join('');
  const wrong = responses.filter((r) => r.status !== 200 || r.body.toString() !== expected).length;
  // Unbuffered: the client saw the stream arrive over time, not in one piece at the end.
  const spread = arrivals.map((t) => (t.length > 1 ? (t[t.length - 1] as number) - (t[0] as number) : 0));
  const buffered = spread.filter((ms) => ms < gapMs * (events.length - 2)).length;
  const spans = await spansFor(responses);
  const clean = spans.filter((span) => span.attributes[A.OBSERVATION_LEVEL] === undefined && span.attributes[A.OBSERVATION_OUTPUT] !== undefined).length;
  recordRow({ family: 'upstream', fault: 'slow trickle (1 byte writes, 100 ms gaps)', requests: count, failures: wrong + buffered, note: `whole stream byte-exact, no idle timeout, spread over ≥ ${Math.min(...spread).toFixed(0)} ms; ${clean}/${count} traces without error`, ok: wrong === 0 && buffered === 0 && clean === count });
  expect(wrong).toBe(0);
  expect(buffered).toBe(0);
  expect(clean).toBe(count);
});

test(`client abort mid-stream: the upstream request is closed within ${ABORT_CLOSE_TARGET_MS} ms, the trace says so`, async () => {
  closeTimes.clear();
  upstream.handle = tracked(async (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Never-ending: an event every 20 ms until the sidecar closes the request.
    for (let k = 0; !res.destroyed; k++) {
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `t${k}` } }] })}\n\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  const s = await start();
  const count = scaled(100, 10);
  const abortedAt = new Map<string, number>();
  const traceIds: string[] = [];
  await sendMany(count, (i) => {
    const seq = `abort-${i}`;
    return new Promise<ClientResponse>((resolve) => {
      const req = http.request(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fault-seq': seq }, agent: false }, (res) => {
        traceIds.push(String(res.headers['x-langfuse-trace-id']));
        let events = 0;
        res.on('data', (chunk: Buffer) => {
          events += chunk.toString().split('\n\n').length - 1;
          if (events >= 3 && !abortedAt.has(seq)) {
            abortedAt.set(seq, performance.now());
            req.destroy();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0), complete: false, durationMs: 0 });
          }
        });
      });
      req.on('error', () => undefined);
      req.end(chatBody(`abort ${i}`, true));
    });
  });
  const open = await settleUpstream();
  const delays = [...abortedAt].map(([seq, at]) => (closeTimes.get(seq) ?? Infinity) - at).sort((a, b) => a - b);
  const late = delays.filter((ms) => ms > ABORT_CLOSE_TARGET_MS).length;
  const worst = delays[delays.length - 1] as number;
  const ids = new Set(traceIds);
  const spans = await waitFor(() => {
    const found = langfuse.spans().filter((span) => ids.has(span.traceId));
    return found.length >= ids.size ? found : undefined;
  }, 15_000, () => 'abort traces');
  const marked = spans.filter((span) => span.attributes[`${A.OBSERVATION_METADATA}.client_aborted`] === 'true' && span.attributes[A.OBSERVATION_LEVEL] === 'ERROR').length;
  recordRow({ family: 'upstream', fault: 'client aborts mid-stream', requests: count, failures: late + open, note: `upstream closed after the abort in ≤ ${worst.toFixed(1)} ms (target ${ABORT_CLOSE_TARGET_MS}); ${marked}/${count} traces client_aborted at ERROR; ${open} left open`, ok: late === 0 && open === 0 && marked === count });
  expect(late).toBe(0);
  expect(open).toBe(0);
  expect(marked).toBe(count);
});
