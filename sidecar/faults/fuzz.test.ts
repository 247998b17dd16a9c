/**
 * Property-based fuzzing (fast-check) of what parses traffic: the SSE parser and stream interpreters on
 * random, truncated and interleaved provider events, the recorder on random captures (split, truncated,
 * compressed or corrupt), and the whole proxy on random bodies split at random points, several requests
 * interleaved at once. Nothing may throw, no trace may be lost to a recorder error, and the bytes forwarded
 * in either direction must be exactly the bytes received.
 */
import fc from 'fast-check';
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { captureChunk, createBodyCapture } from '../src/capture/capture-body';
import { createOtlpBatchEncoder } from '../src/export/otlp-batch';
import { appendSpan } from '../src/export/otlp-proto';
import { decodeOtlpExport } from '../test/support/decode-otlp';
import { interpretStream, parseSseEvents } from '../src/interpret';
import type { LlmRoute } from '../src/interpret/types';
import type { Exchange } from '../src/trace/exchange';
import { createExchangeRecorder } from '../src/trace/record-exchange';
import { startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from '../test/support/fake-langfuse';
import { startSidecar, type TestSidecar } from '../test/support/start-sidecar';
import { findMarkers, SECRET_ENV, SECRET_REQUEST_HEADERS } from './support/markers';
import { parsePrometheus, readDrops } from './support/prometheus';
import { recordRow, saveEvidence } from './support/results';
import { scaled, waitFor } from './support/wait';

const ROUTES: LlmRoute[] = ['chat', 'completions', 'embeddings', 'responses', 'messages'];
const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);

/** Plausible provider event payloads with random values in their fields, plus arbitrary JSON and junk. */
const eventData = fc.oneof(
  fc.record({ id: fc.string(), choices: fc.array(fc.record({ index: fc.nat(3), delta: fc.record({ role: fc.constantFrom('assistant', 'tool'), content: fc.oneof(fc.string(), fc.constant(null), fc.jsonValue()), tool_calls: fc.array(fc.record({ index: fc.nat(2), id: fc.string(), function: fc.record({ name: fc.string(), arguments: fc.string() }) }), { maxLength: 2 }) }, { requiredKeys: [] }), finish_reason: fc.oneof(fc.constantFrom('stop', 'length', null), fc.jsonValue()) }, { requiredKeys: [] }), { maxLength: 2 }), usage: fc.oneof(fc.record({ prompt_tokens: fc.integer(), completion_tokens: fc.jsonValue(), cost: fc.double() }, { requiredKeys: [] }), fc.jsonValue()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ type: fc.constantFrom('message_start', 'content_block_start', 'content_block_delta', 'message_delta', 'message_stop', 'error'), message: fc.jsonValue(), delta: fc.oneof(fc.record({ type: fc.constantFrom('text_delta', 'input_json_delta', 'thinking_delta'), text: fc.string(), partial_json: fc.string() }, { requiredKeys: [] }), fc.jsonValue()), usage: fc.jsonValue(), index: fc.jsonValue() }, { requiredKeys: ['type'] }).map((v) => JSON.stringify(v)),
  fc.record({ type: fc.constantFrom('response.created', 'response.output_text.delta', 'response.completed', 'response.failed', 'error'), delta: fc.oneof(fc.string(), fc.jsonValue()), response: fc.jsonValue() }, { requiredKeys: ['type'] }).map((v) => JSON.stringify(v)),
  fc.record({ error: fc.oneof(fc.record({ message: fc.jsonValue(), code: fc.jsonValue(), type: fc.jsonValue() }, { requiredKeys: [] }), fc.jsonValue()) }).map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant('[DONE]'),
);

/** SSE events as text, each with an optional event name, from every provider shape at once (interleaved). */
const sseStream = fc
  .array(fc.record({ event: fc.option(fc.constantFrom('message_start', 'content_block_delta', 'message_stop', 'response.completed', 'error', 'ping'), { nil: undefined }), data: eventData, eol: fc.constantFrom('\n', '\r\n', '\r') }), { maxLength: 25 })
  .map((events) => events.map((e) => `${e.event ? `event: ${e.event}${e.eol}` : ''}${e.data.split(/\r\n|\r|\n/).map((line) => `data: ${line}${e.eol}`).join('')}${e.eol}`).join(''));

/** Splits bytes at random points (the way TCP delivers them). */
const splitPoints = fc.array(fc.nat(), { maxLength: 12 });
function splitAt(bytes: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => (bytes.length === 0 ? 0 : p % bytes.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let last = 0;
  for (const cut of cuts) {
    if (cut > last) pieces.push(bytes.subarray(last, cut));
    last = Math.max(last, cut);
  }
  pieces.push(bytes.subarray(last));
  return pieces.filter((p) => p.length > 0);
}

let propertyRuns = 0;

test('parseSseEvents and interpretStream never throw on random, truncated and interleaved provider events', () => {
  let runs = 0;
  fc.assert(
    fc.property(sseStream, fc.nat(), fc.uint8Array({ maxLength: 64 }), (text, cut, junk) => {
      runs++;
      const full = Buffer.from(text, 'utf8');
      // Truncated anywhere (even inside a UTF-8 sequence), and with random bytes spliced in.
      const truncated = full.subarray(0, full.length === 0 ? 0 : cut % (full.length + 1));
      const spliced = Buffer.concat([truncated, Buffer.from(junk), full.subarray(truncated.length)]);
      for (const body of [full, truncated, spliced]) {
        const events = parseSseEvents(body);
        let previous = 0;
        for (const event of events) {
          if (!(event.endOffset > previous && event.endOffset <= body.length)) throw new Error(`bad endOffset ${event.endOffset} after ${previous} in ${body.length} bytes`);
          previous = event.endOffset;
        }
        for (const route of ROUTES) {
          const facts = interpretStream(route, events);
          if (facts === null || typeof facts !== 'object') throw new Error(`interpretStream(${route}) returned ${String(facts)}`);
          JSON.stringify(facts);
        }
      }
      // A truncated capture yields a prefix of the full capture's events (data and names; the last end may differ by a CR LF).
      const whole = parseSseEvents(full);
      const part = parseSseEvents(truncated);
      for (let i = 0; i < part.length; i++) {
        if (part[i]?.data !== whole[i]?.data || part[i]?.event !== whole[i]?.event) throw new Error(`truncation changed event ${i}`);
      }
    }),
    { numRuns: scaled(1500, 100), seed: SEED },
  );
  propertyRuns += runs;
  recordRow({ family: 'fuzz', fault: 'SSE parser + stream interpreters (5 routes), truncated and spliced', requests: runs, failures: 0, note: `fast-check seed ${SEED}: never threw, offsets monotonic, truncation keeps a prefix`, ok: true });
});

/** Random bodies as captured: raw, compressed (possibly corrupted), as JSON or SSE. */
const capturedBody = fc.oneof(
  sseStream.map((t) => ({ bytes: Buffer.from(t), contentType: 'text/event-stream', encoding: undefined as string | undefined })),
  fc.jsonValue().map((v) => ({ bytes: Buffer.from(JSON.stringify(v) ?? ''), contentType: 'application/json', encoding: undefined as string | undefined })),
  fc.uint8Array({ maxLength: 300 }).map((a) => ({ bytes: Buffer.from(a), contentType: 'application/octet-stream', encoding: undefined as string | undefined })),
).chain((body) =>
  fc.constantFrom('none', 'gzip', 'br', 'deflate', 'gzip-corrupt', 'bogus').map((encoding) => {
    if (encoding === 'none') return body;
    if (encoding === 'bogus') return { ...body, encoding: 'x-unknown' };
    const compressed = encoding.startsWith('gzip') ? gzipSync(body.bytes) : encoding === 'br' ? brotliCompressSync(body.bytes) : deflateSync(body.bytes);
    if (encoding === 'gzip-corrupt') {
      const middle = Math.floor(compressed.length / 2);
      compressed[middle] = (compressed[middle] ?? 0) ^ 0xff;
    }
    return { ...body, bytes: compressed, encoding: encoding.replace('-corrupt', '') };
  }),
);

const requestHeaders = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-8'),
    langfuse_trace_id: fc.string(),
    langfuse_existing_trace_id: fc.string(),
    langfuse_session_id: fc.string({ unit: 'binary' }),
    langfuse_tags: fc.string(),
    'x-litellm-tags': fc.string(),
    'x-litellm-enable-message-redaction': fc.constantFrom('true', 'false', 'maybe'),
    authorization: fc.constant(SECRET_REQUEST_HEADERS.authorization as string),
  },
  { requiredKeys: ['authorization'] },
);

test('the recorder turns any capture into a valid OTLP span and never throws', () => {
  const record = createExchangeRecorder({ redactMessages: false, captureMaxBytes: 4096 });
  const encoder = createOtlpBatchEncoder({ serviceName: 'fuzz', sdkVersion: '0', publicKey: 'pk-lf-fuzz' });
  let runs = 0;
  fc.assert(
    fc.property(
      fc.option(fc.constantFrom(...ROUTES), { nil: undefined }),
      fc.oneof(fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))),
      capturedBody,
      requestHeaders,
      splitPoints,
      fc.integer({ min: 0, max: 2048 }),
      fc.constantFrom(200, 400, 429, 500, 502),
      fc.boolean(),
      (route, requestBytes, response, headers, points, captureMax, status, aborted) => {
        runs++;
        const request = createBodyCapture(captureMax);
        for (const piece of splitAt(requestBytes, points)) captureChunk(request, piece);
        const captured = createBodyCapture(captureMax, true);
        let t = 1_764_400_000_000;
        for (const piece of splitAt(response.bytes, points.slice().reverse())) captureChunk(captured, piece, (t += 3));
        const exchange: Exchange = {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          method: 'POST',
          url: `/v1/${route ?? 'other'}?key=${SECRET_ENV.GEMINI_API_KEY}`,
          route,
          startMs: 1_764_400_000_000,
          endMs: t + 1,
          requestHeaders: headers,
          request,
          status,
          responseHeaders: { 'content-type': response.contentType, ...(response.encoding ? { 'content-encoding': response.encoding } : {}) },
          response: captured,
          clientAborted: aborted,
        };
        const span = record(exchange);
        const batch = encoder.createBatch();
        appendSpan(batch, span);
        const body = encoder.finishBatch(batch);
        const decoded = decodeOtlpExport(body, 'application/x-protobuf') as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string }> }> }> };
        if (decoded.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId !== exchange.traceId) throw new Error('trace id changed');
        const hits = findMarkers(body.toString('utf8'));
        if (hits.length > 0) throw new Error(`secret in span: ${hits[0]?.context}`);
      },
    ),
    { numRuns: scaled(1500, 100), seed: SEED },
  );
  propertyRuns += runs;
  recordRow({ family: 'fuzz', fault: 'recorder on random captures (split, truncated, gzip/br/deflate, corrupt)', requests: runs, failures: 0, note: `fast-check seed ${SEED}: never threw; span protobuf always decodes; no marker in any span`, ok: true });
});

describe('through the proxy', () => {
  let upstream: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;
  /** What the fake upstream must send for a given `x-fuzz-id`, as chunks. */
  const scripts = new Map<string, { chunks: Buffer[]; contentType: string; encoding?: string }>();

  beforeAll(async () => {
    upstream = await startFakeLitellm(async (req, _body, res) => {
      const script = scripts.get(String(req.headers['x-fuzz-id']));
      if (!script) {
        res.writeHead(500);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': script.contentType, ...(script.encoding ? { 'content-encoding': script.encoding } : {}) });
      for (const chunk of script.chunks) {
        res.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    langfuse = await startFakeLangfuse('ok');
    sidecar = await startSidecar(upstream.url, langfuse.url, { ...SECRET_ENV, LANGFUSE_BASE_URL: langfuse.url, SIDECAR_CAPTURE_MAX_BYTES: '2048' });
  });

  afterAll(async () => {
    saveEvidence('fuzz', 'logs', sidecar.rawLogs);
    saveEvidence('fuzz', 'exported', langfuse.requests.map((r) => r.body));
    await sidecar.close();
    await upstream.close();
    await langfuse.close();
  });

  test('random bodies split at random points, several interleaved: bytes unchanged both ways, every trace exported', async () => {
    let calls = 0;
    let altered = 0;
    const traceIds: string[] = [];
    const send = (id: string, path: string, requestChunks: Buffer[]) =>
      new Promise<{ body: Buffer; traceId?: string }>((resolve, reject) => {
        const req = http.request(`${sidecar.url}${path}`, { method: 'POST', headers: { ...SECRET_REQUEST_HEADERS, 'content-type': 'application/json', 'x-fuzz-id': id }, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ body: Buffer.concat(chunks), traceId: res.headers['x-langfuse-trace-id'] as string | undefined }));
        });
        req.on('error', reject);
        // Chunked request, written in the random pieces.
        void (async () => {
          for (const chunk of requestChunks) {
            req.write(chunk);
            await new Promise((resolve) => setImmediate(resolve));
          }
          req.end();
        })();
      });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ request: fc.uint8Array({ minLength: 1, maxLength: 3000 }), response: capturedBody, points: splitPoints, route: fc.constantFrom('/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1/completions', '/v1/embeddings') }), { minLength: 1, maxLength: 4 }),
        async (calls4) => {
          const runs = calls4.map((c, k) => {
            calls++;
            const id = `${calls}-${k}`;
            const requestBytes = Buffer.from(c.request);
            scripts.set(id, { chunks: splitAt(c.response.bytes, c.points), contentType: c.response.contentType, encoding: c.response.encoding });
            const before = upstream.received.length;
            return send(id, c.route, splitAt(requestBytes, c.points.slice().reverse())).then((result) => {
              const atUpstream = upstream.received.slice(before).find((r) => r.headers['x-fuzz-id'] === id);
              if (!result.body.equals(c.response.bytes) || !atUpstream?.body.equals(requestBytes)) altered++;
              if (result.traceId) traceIds.push(result.traceId);
              scripts.delete(id);
            });
          });
          await Promise.all(runs);
          if (altered > 0) throw new Error(`${altered} bodies altered`);
        },
      ),
      { numRuns: scaled(80, 10), seed: SEED },
    );
    await waitFor(() => (langfuse.spans().length >= traceIds.length ? true : undefined), 15_000, () => `${langfuse.spans().length}/${traceIds.length} spans`);
    const drops = readDrops(parsePrometheus(await (await fetch(`${sidecar.url}/_sidecar/metrics`)).text()));
    const healthy = (await fetch(`${sidecar.url}/_sidecar/health`)).ok;
    recordRow({
      family: 'fuzz',
      fault: 'proxy with random split bodies, up to 4 interleaved',
      requests: calls,
      failures: altered + drops.total,
      note: `fast-check seed ${SEED}: ${calls - altered}/${calls} byte-exact both ways; ${traceIds.length} traces, ${drops.total} dropped (recorder errors); process healthy: ${healthy}; ${propertyRuns} offline property runs before`,
      ok: altered === 0 && drops.total === 0 && healthy,
    });
    expect(altered).toBe(0);
    expect(drops.total).toBe(0);
    expect(healthy).toBe(true);
    expect(findMarkers([...sidecar.rawLogs, ...langfuse.requests.map((r) => r.body)].join('\n'))).toEqual([]);
  });
});
