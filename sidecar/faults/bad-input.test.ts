/**
 * Bad input from clients: malformed JSON, wrong content types, invalid UTF-8, oversized headers and
 * request-smuggling attempts on a raw socket. The request is never altered (the fake upstream receives the
 * exact bytes), smuggling is refused and never forwarded ambiguously, every trace is still a valid OTLP export,
 * and the sidecar keeps serving.
 */
import { LangfuseOtelSpanAttributes as A } from '@langfuse/core';
import http from 'node:http';
import { startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from '../test/support/fake-langfuse';
import { startSidecar, type TestSidecar } from '../test/support/start-sidecar';
import { sendRaw } from './support/client';
import { findMarkers, MARKERS, SECRET_ENV, SECRET_REQUEST_HEADERS } from './support/markers';
import { readDrops } from './support/prometheus';
import { parsePrometheus } from './support/prometheus';
import { recordRow, saveEvidence } from './support/results';
import { SMUGGLED_PATH, SMUGGLING_CASES } from './support/smuggling-cases';
import { waitFor } from './support/wait';

let upstream: FakeLitellm;
let langfuse: FakeLangfuse;
let sidecar: TestSidecar;
let port: number;

beforeAll(async () => {
  upstream = await startFakeLitellm((req, body, res) => {
    // Answers like LiteLLM: 400 for a body it cannot parse, 200 echoing the byte count otherwise.
    const json = String(req.headers['content-type'] ?? '').includes('json');
    let valid = true;
    if (json) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        valid = false;
      }
    }
    const text = valid ? JSON.stringify({ received_bytes: body.length }) : JSON.stringify({ error: { message: 'Invalid JSON in request body', type: 'invalid_request_error', param: null, code: '400' } });
    res.writeHead(valid ? 200 : 400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  langfuse = await startFakeLangfuse('ok');
  sidecar = await startSidecar(upstream.url, langfuse.url, { ...SECRET_ENV, LANGFUSE_BASE_URL: langfuse.url });
  port = Number(new URL(sidecar.url).port);
});

afterAll(async () => {
  saveEvidence('bad-input', 'logs', sidecar.rawLogs);
  saveEvidence('bad-input', 'exported', langfuse.requests.map((r) => r.body));
  await sidecar.close();
  await upstream.close();
  await langfuse.close();
});

/** POSTs raw bytes through the sidecar with the given headers; returns status, body and the bytes the upstream got. */
async function forward(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: Buffer; traceId?: string; upstreamBody?: Buffer }> {
  const before = upstream.received.length;
  const response = await new Promise<{ status: number; body: Buffer; traceId?: string }>((resolve, reject) => {
    const req = http.request(`${sidecar.url}${path}`, { method: 'POST', headers: { ...SECRET_REQUEST_HEADERS, ...headers, 'content-length': String(body.length) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), traceId: res.headers['x-langfuse-trace-id'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
  return { ...response, upstreamBody: upstream.received[before]?.body };
}

const MALFORMED_JSON: Array<[string, Buffer]> = [
  ['truncated object', Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"')],
  ['not JSON at all', Buffer.from('hello, this is not json')],
  ['two objects back to back', Buffer.from('{"model":"a"}{"model":"b"}')],
  ['empty body', Buffer.alloc(0)],
  ['BOM then JSON', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"model":"m","messages":[]}')])],
  ['100 000-deep nesting', Buffer.from(`{"model":"m","messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)],
  ['__proto__ and constructor keys', Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"model":"m","messages":[{"role":"user","content":"hi"}]}')],
  ['huge numbers and odd values', Buffer.from('{"model":"m","temperature":1e999,"max_tokens":-0,"seed":123456789012345678901234567890,"messages":[{"role":"user","content":null}]}')],
  ['messages of the wrong type', Buffer.from('{"model":["a"],"messages":"hi","stream":"yes","metadata":[1,2],"tools":{"a":1}}')],
  ['trace directives with the wrong types', Buffer.from('{"model":"m","messages":[],"metadata":{"trace_id":{"x":1},"tags":{"a":1},"session_id":[1],"trace_metadata":"{not json"},"no-log":"maybe"}')],
];

const CONTENT_TYPES: Array<[string, string, Buffer]> = [
  ['text/plain', '/v1/chat/completions', Buffer.from('{"model":"m","messages":[]}')],
  ['application/xml', '/v1/chat/completions', Buffer.from('<chat><model>m</model></chat>')],
  ['multipart/form-data; boundary=XyZ', '/v1/audio/transcriptions', Buffer.concat([Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n'), Buffer.from([0x52, 0x49, 0x46, 0x46, 0x00, 0xff, 0xfe, 0x80]), Buffer.from('\r\n--XyZ--\r\n')])],
  ['application/x-www-form-urlencoded', '/v1/chat/completions', Buffer.from('model=m&messages=hi%20there')],
  ['application/octet-stream', '/v1/chat/completions', Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x7b, 0x7d])],
  ['application/json; charset=latin1', '/v1/chat/completions', Buffer.from('{"model":"m","messages":[{"role":"user","content":"caf\xe9"}]}', 'latin1')],
];

const INVALID_UTF8: Array<[string, Buffer]> = [
  ['0xff 0xfe bytes', Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')])],
  ['overlong slash (0xc0 0xaf)', Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('b"}]}')])],
  ['CESU-8 lone surrogate', Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]}')])],
  ['cut multi-byte sequence', Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}]}')])],
  ['escaped lone surrogate in JSON', Buffer.from('{"model":"m","messages":[{"role":"user","content":"\\ud800 and \\udfff"}]}')],
];

test('malformed JSON, wrong content types and invalid UTF-8 reach the upstream byte for byte; every trace is valid', async () => {
  const cases = [
    ...MALFORMED_JSON.map(([name, body]) => ({ name: `malformed JSON: ${name}`, path: '/v1/chat/completions', contentType: 'application/json', body })),
    ...CONTENT_TYPES.map(([contentType, path, body]) => ({ name: `content type ${contentType}`, path, contentType, body })),
    ...INVALID_UTF8.map(([name, body]) => ({ name: `invalid UTF-8: ${name}`, path: '/v1/chat/completions', contentType: 'application/json', body })),
  ];
  const altered: string[] = [];
  const traceIds: string[] = [];
  for (const c of cases) {
    const result = await forward(c.path, { 'content-type': c.contentType }, c.body);
    if (!result.upstreamBody?.equals(c.body) || (result.status !== 200 && result.status !== 400)) altered.push(`${c.name}: status ${result.status}`);
    if (result.traceId) traceIds.push(result.traceId);
  }
  const spans = await waitFor(() => {
    const found = langfuse.spans().filter((s) => traceIds.includes(s.traceId));
    return found.length >= traceIds.length ? found : undefined;
  }, 10_000, () => `spans for ${traceIds.length} traces: ${langfuse.spans().filter((s) => traceIds.includes(s.traceId)).length} arrived; logs: ${sidecar.rawLogs.filter((l) => !l.includes('"msg":"request"')).join('\n')}`);
  const metrics = parsePrometheus(await (await fetch(`${sidecar.url}/_sidecar/metrics`)).text());
  const renderErrors = readDrops(metrics).exportFailed;
  // Every export body must decode (readSpans decoded them) and every input be a string the UI can show.
  const unreadable = spans.filter((s) => typeof s.attributes[A.OBSERVATION_INPUT] !== 'string' && s.attributes[A.OBSERVATION_INPUT] !== undefined).length;
  const health = await fetch(`${sidecar.url}/_sidecar/health`);
  recordRow({
    family: 'bad input',
    fault: 'malformed JSON, 6 content types, invalid UTF-8',
    requests: cases.length,
    failures: altered.length + renderErrors + unreadable,
    note: `${cases.length - altered.length}/${cases.length} forwarded byte-exact; ${spans.length} traces decode as valid OTLP; ${renderErrors} recorder errors; still healthy: ${health.ok}`,
    ok: altered.length === 0 && renderErrors === 0 && unreadable === 0 && health.ok,
  });
  expect(altered).toEqual([]);
  expect(spans).toHaveLength(traceIds.length);
  expect(renderErrors).toBe(0);
  expect(health.ok).toBe(true);
});

test('invalid UTF-8 and obs-text in header values reach the upstream unchanged', async () => {
  const before = upstream.received.length;
  const out = await sendRaw(port, Buffer.concat([
    Buffer.from('POST /v1/chat/completions HTTP/1.1\r\nHost: sidecar\r\nContent-Type: application/json\r\nX-Latin: caf'),
    Buffer.from([0xe9, 0xff]),
    Buffer.from('\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'),
  ]));
  const received = upstream.received[before];
  const value = received?.rawHeaders[received.rawHeaders.findIndex((h) => h === 'X-Latin') + 1];
  const intact = value === 'caf\xe9\xff';
  recordRow({ family: 'bad input', fault: 'obs-text bytes in a header value', requests: 1, failures: intact ? 0 : 1, note: `${out.split('\r\n')[0]}; upstream header bytes intact: ${intact}`, ok: intact });
  expect(intact).toBe(true);
});

test('oversized headers are refused before anything reaches the upstream; large but legal ones pass intact', async () => {
  const before = upstream.received.length;
  const big = await sendRaw(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: sidecar\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`);
  const many = await sendRaw(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: sidecar\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\nContent-Length: 2\r\n\r\n{}`);
  const refusedStatus = (raw: string) => /^HTTP\/1\.1 (400|431) /.test(raw);
  const forwardedOversized = upstream.received.length - before;
  const legal = 'b'.repeat(8000);
  const ok = await forward('/v1/chat/completions', { 'content-type': 'application/json', 'x-legal': legal }, Buffer.from('{}'));
  const legalIntact = upstream.received[upstream.received.length - 1]?.headers['x-legal'] === legal && ok.status === 200;
  const passed = refusedStatus(big) && refusedStatus(many) && forwardedOversized === 0 && legalIntact;
  recordRow({
    family: 'bad input',
    fault: 'oversized headers (20 KB value, 2000 headers)',
    requests: 3,
    failures: passed ? 0 : 1,
    note: `answers "${big.split('\r\n')[0]}" and "${many.split('\r\n')[0]}"; ${forwardedOversized} reached upstream; an 8 KB header passes intact: ${legalIntact}`,
    ok: passed,
  });
  expect(refusedStatus(big)).toBe(true);
  expect(refusedStatus(many)).toBe(true);
  expect(forwardedOversized).toBe(0);
  expect(legalIntact).toBe(true);
});

test(`request smuggling (${SMUGGLING_CASES.length} variants on a raw socket): refused, never forwarded ambiguously`, async () => {
  const problems: string[] = [];
  let refused = 0;
  for (const c of SMUGGLING_CASES) {
    const before = upstream.received.length;
    const raw = await sendRaw(port, c.bytes, 500);
    const reached = upstream.received.slice(before);
    const statuses = raw.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    if (/^HTTP\/1\.1 400 /.test(raw)) refused++;
    for (const r of reached) {
      const names = r.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
      if (r.url.includes(SMUGGLED_PATH)) problems.push(`${c.name}: ${SMUGGLED_PATH} reached the upstream`);
      if (names.includes('content-length') && names.includes('transfer-encoding')) problems.push(`${c.name}: forwarded with both Content-Length and Transfer-Encoding`);
      if (names.filter((n) => n === 'content-length').length > 1) problems.push(`${c.name}: forwarded with two Content-Length headers`);
    }
    if (reached.length > 0 && !/^HTTP\/1\.1 400 /.test(raw)) {
      // Accepted: then the upstream must have seen exactly what the sidecar answered for, one request.
      if (reached.length !== statuses.length) problems.push(`${c.name}: ${reached.length} requests upstream for ${statuses.length} answers`);
    }
  }
  // A legitimate pipelined pair is two requests, each framed on its own.
  const before = upstream.received.length;
  await sendRaw(port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}GET /v1/models HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n', 1000);
  const pair = upstream.received.slice(before).map((r) => `${r.method} ${r.url} ${r.body.length}`);
  if (pair.join('|') !== 'POST /v1/chat/completions 2|GET /v1/models 0') problems.push(`pipelined pair arrived as ${JSON.stringify(pair)}`);
  const smuggledSeen = upstream.received.some((r) => r.url.includes(SMUGGLED_PATH));
  recordRow({
    family: 'bad input',
    fault: `request smuggling (${SMUGGLING_CASES.length} raw variants)`,
    requests: SMUGGLING_CASES.length + 1,
    failures: problems.length,
    note: `${refused} refused with 400, the rest forwarded with one framing; ${SMUGGLED_PATH} never reached upstream: ${!smuggledSeen}; a legitimate pipelined pair stays two requests`,
    ok: problems.length === 0 && !smuggledSeen,
  });
  expect(problems).toEqual([]);
  expect(smuggledSeen).toBe(false);
  expect((await fetch(`${sidecar.url}/_sidecar/health`)).ok).toBe(true);
});

test('nothing this file exported or logged contains a secret marker', async () => {
  // A malformed body carrying a key: the trace shows the raw text, which must not include it.
  const body = Buffer.from(`{"model":"m","api_key":"${MARKERS.openaiKey}","messages":[{"role":"user","content":"hi"}`);
  const result = await forward('/v1/chat/completions', { 'content-type': 'application/json' }, body);
  if (result.traceId) await langfuse.waitForTrace(result.traceId);
  const hits = findMarkers([...sidecar.rawLogs, ...langfuse.requests.map((r) => r.body)].join('\n'));
  expect(hits).toEqual([]);
});
