/**
 * Shutdown of a real sidecar process: SIGTERM with 50 streams in flight lets every stream finish, delivers
 * every trace and exits 0; a second SIGTERM, or a grace period that runs out, exits promptly and the last
 * log line says what was abandoned (requests cut, traces not delivered).
 */
import http from 'node:http';
import { chatStreamEvents, sendJson, chatCompletion, startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from '../test/support/fake-langfuse';
import { chatBody, sendRequest } from './support/client';
import { findMarkers, SECRET_REQUEST_HEADERS } from './support/markers';
import { recordRow, saveEvidence } from './support/results';
import { spawnSidecar, type ChildSidecar } from './support/spawn-sidecar';
import { waitFor } from './support/wait';

const STREAMS = 50;
const EVENT_GAP_MS = 100;
const PIECES = Array.from({ length: 20 }, (_, k) => `piece${k} `);
const FULL_STREAM = chatStreamEvents(PIECES).join('');

let upstream: FakeLitellm;
let langfuse: FakeLangfuse;
const children: ChildSidecar[] = [];

beforeAll(async () => {
  upstream = await startFakeLitellm();
  langfuse = await startFakeLangfuse('ok');
});

afterAll(async () => {
  for (const child of children) {
    await child.stop('SIGKILL');
    saveEvidence('shutdown', 'logs', child.rawLines);
  }
  saveEvidence('shutdown', 'exported', langfuse.requests.map((r) => r.body));
  await upstream.close();
  await langfuse.close();
});

/** A slow stream (an event every `gapMs`), `events` long; `Infinity` never ends. */
function streamSlowly(events: string[] | 'endless', gapMs = EVENT_GAP_MS) {
  upstream.handle = async (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let k = 0; !res.destroyed; k++) {
      if (events !== 'endless' && k >= events.length) break;
      res.write(events === 'endless' ? `data: {"choices":[{"index":0,"delta":{"content":"t${k}"}}]}\n\n` : (events[k] as string));
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    res.end();
  };
}

interface OpenStream {
  traceId: Promise<string>;
  /** The first event arrived. */
  started: Promise<void>;
  /** Everything the client received, and whether the response ended cleanly. */
  done: Promise<{ body: string; complete: boolean }>;
}

/** Opens one streamed chat call and follows it to its end (clean or cut). */
function openStream(url: string): OpenStream {
  let onTrace!: (id: string) => void;
  let onStart!: () => void;
  const traceId = new Promise<string>((resolve) => (onTrace = resolve));
  const started = new Promise<void>((resolve) => (onStart = resolve));
  const done = new Promise<{ body: string; complete: boolean }>((resolve) => {
    const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', headers: { ...SECRET_REQUEST_HEADERS, 'content-type': 'application/json' }, agent: false }, (res) => {
      onTrace(String(res.headers['x-langfuse-trace-id']));
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        onStart();
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks).toString(), complete: true }));
      res.on('error', () => resolve({ body: Buffer.concat(chunks).toString(), complete: false }));
      res.on('aborted', () => resolve({ body: Buffer.concat(chunks).toString(), complete: false }));
    });
    req.on('error', () => resolve({ body: '', complete: false }));
    req.end(chatBody('stream through shutdown', true));
  });
  return { traceId, started, done };
}

async function spawn(env: Record<string, string> = {}, langfuseUrl = langfuse.url): Promise<ChildSidecar> {
  const child = await spawnSidecar({ upstreamUrl: upstream.url, langfuseUrl, env });
  children.push(child);
  return child;
}

const lastLine = (child: ChildSidecar, msg: string) => [...child.logs].reverse().find((l) => l.msg === msg || String(l.msg).startsWith(msg));

test(`SIGTERM with ${STREAMS} streams in flight: all finish, every trace is delivered, exit 0`, async () => {
  streamSlowly(chatStreamEvents(PIECES));
  const child = await spawn();
  const streams = Array.from({ length: STREAMS }, () => openStream(child.url));
  await Promise.all(streams.map((s) => s.started));
  const signalledAt = performance.now();
  child.child.kill('SIGTERM');
  // A new connection after the signal is refused; the streams in flight are not touched.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const late = await sendRequest(`${child.url}/v1/chat/completions`, { body: chatBody('late'), headers: { 'content-type': 'application/json' }, timeoutMs: 3000 });
  const results = await Promise.all(streams.map((s) => s.done));
  const exit = await child.exited;
  const exitMs = performance.now() - signalledAt;
  const ids = await Promise.all(streams.map((s) => s.traceId));
  const delivered = new Set(langfuse.spans().map((s) => s.traceId));
  const missing = ids.filter((id) => !delivered.has(id)).length;
  const incomplete = results.filter((r) => !r.complete || r.body !== FULL_STREAM).length;
  const stopped = lastLine(child, 'stopped');
  recordRow({
    family: 'shutdown',
    fault: `SIGTERM with ${STREAMS} streams in flight`,
    requests: STREAMS,
    failures: incomplete + missing + (exit.code === 0 ? 0 : 1),
    dropsExpected: 0,
    dropsObserved: missing,
    note: `all streams whole: ${incomplete === 0}; ${STREAMS - missing}/${STREAMS} traces delivered; exit ${exit.code} after ${exitMs.toFixed(0)} ms (streams last ~${(PIECES.length + 4) * EVENT_GAP_MS} ms); late request: ${late.error ?? late.status}`,
    ok: incomplete === 0 && missing === 0 && exit.code === 0,
  });
  expect(incomplete).toBe(0);
  expect(missing).toBe(0);
  expect(exit.code).toBe(0);
  expect(stopped).toMatchObject({ abandonedRequests: 0, abandonedTraces: 0 });
});

test('a second SIGTERM exits at once (code 1) and logs what it abandoned', async () => {
  streamSlowly('endless');
  const child = await spawn();
  const streams = Array.from({ length: 20 }, () => openStream(child.url));
  await Promise.all(streams.map((s) => s.started));
  child.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const secondAt = performance.now();
  child.child.kill('SIGTERM');
  const exit = await child.exited;
  const exitMs = performance.now() - secondAt;
  const line = lastLine(child, 'second signal');
  const results = await Promise.all(streams.map((s) => s.done));
  const saysWhat = line?.requestsInFlight === 20 && typeof line.tracesQueued === 'number';
  recordRow({
    family: 'shutdown',
    fault: 'second SIGTERM during the drain',
    requests: 20,
    failures: (exit.code === 1 ? 0 : 1) + (saysWhat ? 0 : 1),
    note: `exit ${exit.code} ${exitMs.toFixed(0)} ms after the second signal; log: requestsInFlight=${String(line?.requestsInFlight)}, tracesQueued=${String(line?.tracesQueued)}; ${results.filter((r) => !r.complete).length} streams cut`,
    ok: exit.code === 1 && exitMs < 1000 && saysWhat,
  });
  expect(exit.code).toBe(1);
  expect(exitMs).toBeLessThan(1000);
  expect(saysWhat).toBe(true);
});

test('an expired grace period cuts the endless streams, exports their traces and says how many were abandoned', async () => {
  streamSlowly('endless');
  const graceMs = 2000;
  const child = await spawn({ SIDECAR_SHUTDOWN_GRACE_MS: String(graceMs) });
  const streams = Array.from({ length: 20 }, () => openStream(child.url));
  await Promise.all(streams.map((s) => s.started));
  const signalledAt = performance.now();
  child.child.kill('SIGTERM');
  const exit = await child.exited;
  const exitMs = performance.now() - signalledAt;
  const stopped = lastLine(child, 'stopped');
  const ids = await Promise.all(streams.map((s) => s.traceId));
  const delivered = new Set(langfuse.spans().map((s) => s.traceId));
  const exported = ids.filter((id) => delivered.has(id)).length;
  const prompt = exitMs < graceMs + 1000;
  recordRow({
    family: 'shutdown',
    fault: `grace period (${graceMs} ms) expires with 20 endless streams`,
    requests: 20,
    failures: (prompt ? 0 : 1) + (stopped?.abandonedRequests === 20 ? 0 : 1),
    note: `exit ${exit.code} after ${exitMs.toFixed(0)} ms; log: abandonedRequests=${String(stopped?.abandonedRequests)}, abandonedTraces=${String(stopped?.abandonedTraces)}; ${exported}/20 cut calls still traced`,
    ok: prompt && exit.code === 0 && stopped?.abandonedRequests === 20 && exported === 20,
  });
  expect(prompt).toBe(true);
  expect(exit.code).toBe(0);
  expect(stopped?.abandonedRequests).toBe(20);
  expect(exported).toBe(20);
});

test('an expired grace period with Langfuse hanging says how many traces were lost', async () => {
  const hanging = await startFakeLangfuse('hang');
  try {
    upstream.handle = (_req, _body, res) => sendJson(res, 200, chatCompletion('done before the signal'));
    const graceMs = 1500;
    const child = await spawn({ SIDECAR_SHUTDOWN_GRACE_MS: String(graceMs), SIDECAR_EXPORT_TIMEOUT_MS: '30000' }, hanging.url);
    const calls = 30;
    for (let i = 0; i < calls; i++) await sendRequest(`${child.url}/v1/chat/completions`, { body: chatBody(`call ${i}`), headers: { 'content-type': 'application/json' } });
    // Let the batch go out and hang at the fake.
    await waitFor(() => (hanging.requests.length > 0 ? true : undefined), 5000, () => 'no export attempt reached the hanging fake');
    const signalledAt = performance.now();
    child.child.kill('SIGTERM');
    const exit = await child.exited;
    const exitMs = performance.now() - signalledAt;
    const stopped = lastLine(child, 'stopped');
    const said = Number(stopped?.abandonedTraces ?? 0);
    recordRow({
      family: 'shutdown',
      fault: 'grace expires while Langfuse hangs',
      requests: calls,
      failures: (exitMs < graceMs + 1000 ? 0 : 1) + (said === calls ? 0 : 1),
      dropsExpected: calls,
      dropsObserved: said,
      note: `exit ${exit.code} after ${exitMs.toFixed(0)} ms; log: abandonedTraces=${String(stopped?.abandonedTraces)}, tracesDropped=${String(stopped?.tracesDropped)}, tracesExported=${String(stopped?.tracesExported)}`,
      ok: exitMs < graceMs + 1000 && said === calls && exit.code === 0,
    });
    expect(exitMs).toBeLessThan(graceMs + 1000);
    expect(said).toBe(calls);
    expect(stopped?.tracesDropped).toBe(calls);
  } finally {
    saveEvidence('shutdown', 'exported', hanging.requests.map((r) => r.body));
    await hanging.close();
  }
});

test('no shutdown log line or exported byte carries a secret', async () => {
  const text = [...children.flatMap((c) => c.rawLines), ...langfuse.requests.map((r) => r.body)].join('\n');
  expect(findMarkers(text)).toEqual([]);
});
