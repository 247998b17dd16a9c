/**
 * Large bodies through a real sidecar process: a 100 MB upload (sized and chunked) reaches the upstream
 * intact while the sidecar's RSS stays bounded, and a gzip / brotli bomb from the upstream is forwarded
 * untouched (the client gets the compressed bytes) while the trace's decoding stops at the capture cap.
 */
import { LangfuseOtelSpanAttributes as A } from '@langfuse/core';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import { startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from '../test/support/fake-langfuse';
import { findMarkers, SECRET_REQUEST_HEADERS } from './support/markers';
import { readRss, sampleRss } from './support/proc';
import { recordRow, saveEvidence } from './support/results';
import { spawnSidecar, type ChildSidecar } from './support/spawn-sidecar';

const UPLOAD_BYTES = 100 * 1024 * 1024;
// What a large body may add to the sidecar's RSS: the 1 MB capture plus socket and stream buffers, with room.
const RSS_GROWTH_LIMIT_MB = 64;

let upstream: FakeLitellm;
let langfuse: FakeLangfuse;
let sidecar: ChildSidecar;

beforeAll(async () => {
  upstream = await startFakeLitellm();
  langfuse = await startFakeLangfuse('ok');
  sidecar = await spawnSidecar({ upstreamUrl: upstream.url, langfuseUrl: langfuse.url });
});

afterAll(async () => {
  await sidecar.stop();
  saveEvidence('large-bodies', 'logs', sidecar.rawLines);
  saveEvidence('large-bodies', 'exported', langfuse.requests.map((r) => r.body));
  expect(findMarkers([...sidecar.rawLines, ...langfuse.requests.map((r) => r.body)].join('\n'))).toEqual([]);
  await upstream.close();
  await langfuse.close();
});

/** Streams `total` bytes of a repeated random block as a request body; resolves with the client's view and the body hash. */
function upload(path: string, total: number, chunked: boolean): Promise<{ status: number; sha: string; traceId?: string }> {
  const block = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...SECRET_REQUEST_HEADERS, 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = String(total);
    const req = http.request(`${sidecar.url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, sha: hash.digest('hex'), traceId: res.headers['x-langfuse-trace-id'] as string | undefined }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = block.subarray(0, Math.min(block.length, total - sent));
        sent += piece.length;
        hash.update(piece);
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

test.each([
  ['with Content-Length', false],
  ['chunked', true],
])('a 100 MB upload (%s) reaches the upstream intact with the sidecar RSS bounded', async (label, chunked) => {
  let upstreamSha = '';
  upstream.handle = (_req, body, res) => {
    upstreamSha = createHash('sha256').update(body).digest('hex');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ received_bytes: body.length }));
  };
  const baseline = readRss(sidecar.pid).rssMB;
  const sampler = sampleRss(sidecar.pid, 20);
  const started = performance.now();
  const result = await upload('/v1/chat/completions', UPLOAD_BYTES, chunked);
  const seconds = (performance.now() - started) / 1000;
  const rss = sampler.stop();
  const peak = rss.maxMB;
  const growth = peak - baseline;
  const intact = result.status === 200 && upstreamSha === result.sha;
  const span = result.traceId ? await langfuse.waitForTrace(result.traceId, 15_000) : undefined;
  const truncatedMarked = span?.attributes[`${A.OBSERVATION_METADATA}.request_truncated`] === 'true';
  recordRow({
    family: 'bad input',
    fault: `100 MB upload (${label})`,
    requests: 1,
    failures: (intact ? 0 : 1) + (growth < RSS_GROWTH_LIMIT_MB ? 0 : 1) + (truncatedMarked ? 0 : 1),
    rssPeakMB: peak,
    note: `sha256 equal at the upstream: ${intact}; ${(UPLOAD_BYTES / 1e6 / seconds).toFixed(0)} MB/s; RSS ${baseline.toFixed(0)} → peak ${peak.toFixed(0)} MB (+${growth.toFixed(1)}); trace marks request_truncated: ${truncatedMarked}`,
    ok: intact && growth < RSS_GROWTH_LIMIT_MB && truncatedMarked,
  });
  expect(intact).toBe(true);
  expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_MB);
  expect(truncatedMarked).toBe(true);
});

/** Compresses `total` zero bytes with a streaming compressor, never holding them all. */
async function compressZeros(total: number, encoding: 'gzip' | 'br'): Promise<Buffer> {
  const compressor = encoding === 'gzip' ? createGzip({ level: 1 }) : createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
  const out: Buffer[] = [];
  compressor.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve) => compressor.on('end', resolve));
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (let written = 0; written < total; written += zeros.length) {
    if (!compressor.write(zeros)) await new Promise((resolve) => compressor.once('drain', resolve));
  }
  compressor.end();
  await done;
  return Buffer.concat(out);
}

test.each([
  ['gzip', 'application/json'],
  ['br', 'text/event-stream'],
] as const)('a %s bomb from the upstream (%s, 1 GB inflated) is forwarded untouched, capture capped', async (encoding, contentType) => {
  const inflated = 1024 * 1024 * 1024;
  const bomb = await compressZeros(inflated, encoding);
  const bombSha = createHash('sha256').update(bomb).digest('hex');
  upstream.handle = (_req, _body, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-encoding': encoding, 'content-length': bomb.length });
    res.end(bomb);
  };
  const baseline = readRss(sidecar.pid).rssMB;
  const sampler = sampleRss(sidecar.pid, 20);
  const client = await new Promise<{ sha: string; traceId?: string; encoding?: string }>((resolve, reject) => {
    const req = http.request(`${sidecar.url}/v1/chat/completions`, { method: 'POST', headers: { ...SECRET_REQUEST_HEADERS, 'content-type': 'application/json', 'accept-encoding': encoding }, agent: false }, (res) => {
      const hash = createHash('sha256');
      res.on('data', (chunk: Buffer) => hash.update(chunk));
      res.on('end', () => resolve({ sha: hash.digest('hex'), traceId: res.headers['x-langfuse-trace-id'] as string | undefined, encoding: res.headers['content-encoding'] }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'bomb' }], stream: contentType === 'text/event-stream' }));
  });
  const span = client.traceId ? await langfuse.waitForTrace(client.traceId, 15_000) : undefined;
  const rss = sampler.stop();
  const growth = rss.maxMB - baseline;
  const untouched = client.sha === bombSha && client.encoding === encoding;
  const capped = span?.attributes[`${A.OBSERVATION_METADATA}.response_truncated`] === 'true';
  const output = span?.attributes[A.OBSERVATION_OUTPUT];
  const outputChars = typeof output === 'string' ? output.length : 0;
  recordRow({
    family: 'bad input',
    fault: `${encoding} bomb from upstream (${(bomb.length / 1e6).toFixed(2)} MB → 1 GB, ${contentType})`,
    requests: 1,
    failures: (untouched ? 0 : 1) + (capped ? 0 : 1) + (growth < RSS_GROWTH_LIMIT_MB ? 0 : 1),
    rssPeakMB: rss.maxMB,
    note: `client got the compressed bytes unchanged: ${untouched}; trace response_truncated: ${capped}, output ${outputChars} chars; RSS +${growth.toFixed(1)} MB`,
    ok: untouched && capped && growth < RSS_GROWTH_LIMIT_MB,
  });
  expect(untouched).toBe(true);
  expect(capped).toBe(true);
  expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_MB);
}, 60_000);
