/**
 * An SSE stream that never ends, through a real sidecar process: hundreds of MB relayed as fast as the client
 * reads, RSS flat (the capture keeps 1 MB), and the client's abort closes the upstream request; the trace is
 * at ERROR, marked truncated and client_aborted.
 */
import { LangfuseOtelSpanAttributes as A } from '@langfuse/core';
import http from 'node:http';
import { startFakeLitellm, type FakeLitellm } from '../test/support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from '../test/support/fake-langfuse';
import { chatBody } from './support/client';
import { findMarkers, SECRET_REQUEST_HEADERS } from './support/markers';
import { readRss, sampleRss } from './support/proc';
import { recordRow, saveEvidence } from './support/results';
import { spawnSidecar } from './support/spawn-sidecar';
import { waitFor } from './support/wait';

let upstream: FakeLitellm;
let langfuse: FakeLangfuse;
let openAtUpstream = 0;

beforeAll(async () => {
  upstream = await startFakeLitellm();
  langfuse = await startFakeLangfuse('ok');
});

afterAll(async () => {
  saveEvidence('endless-stream', 'exported', langfuse.requests.map((r) => r.body));
  expect(findMarkers(langfuse.requests.map((r) => r.body).join('\n'))).toEqual([]);
  await upstream.close();
  await langfuse.close();
});

const settleUpstream = () => waitFor(() => (openAtUpstream === 0 ? 0 : undefined), 3000, () => `${openAtUpstream} upstream responses still open`).catch(() => openAtUpstream);

test('never-ending SSE through a real process: RSS stays flat while hundreds of MB stream, the abort closes it', async () => {
  const child = await spawnSidecar({ upstreamUrl: upstream.url, langfuseUrl: langfuse.url });
  const chunk = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'x'.repeat(64 * 1024) } }] })}\n\n`;
  let streamed = 0;
  upstream.handle = (_req, _body, res) => {
    openAtUpstream++;
    res.on('close', () => openAtUpstream--);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // As fast as the client reads, never ending: backpressure is the only brake.
    const pump = () => {
      while (!res.destroyed) {
        streamed += chunk.length;
        if (!res.write(chunk)) break;
      }
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  };
  try {
    const baseline = readRss(child.pid).rssMB;
    const sampler = sampleRss(child.pid);
    const durationMs = 3000;
    const received = await new Promise<{ bytes: number; traceId: string }>((resolve) => {
      let bytes = 0;
      const req = http.request(`${child.url}/v1/chat/completions`, { method: 'POST', headers: { ...SECRET_REQUEST_HEADERS, 'content-type': 'application/json' }, agent: false }, (res) => {
        res.on('data', (data: Buffer) => (bytes += data.length));
        setTimeout(() => {
          req.destroy();
          resolve({ bytes, traceId: String(res.headers['x-langfuse-trace-id']) });
        }, durationMs);
      });
      req.on('error', () => undefined);
      req.end(chatBody('never ending', true));
    });
    const rss = sampler.stop();
    const peak = Math.max(rss.maxMB, rss.hwmMB);
    const open = await settleUpstream();
    const span = await langfuse.waitForTrace(received.traceId, 15_000);
    const meta = (key: string) => span.attributes[`${A.OBSERVATION_METADATA}.${key}`];
    const traced = span.attributes[A.OBSERVATION_LEVEL] === 'ERROR' && meta('response_truncated') === 'true' && meta('client_aborted') === 'true';
    const exit = await child.stop();
    saveEvidence('endless-stream', 'logs', child.rawLines);
    const growth = peak - baseline;
    // The capture keeps 1 MB (SIDECAR_CAPTURE_MAX_BYTES); a stream held whole would add hundreds of MB.
    const bounded = growth < 64;
    recordRow({
      family: 'upstream',
      fault: 'never-ending SSE (64 KB events, 3 s)',
      requests: 1,
      failures: (bounded ? 0 : 1) + open + (traced ? 0 : 1),
      rssPeakMB: peak,
      note: `${(received.bytes / 1e6).toFixed(0)} MB relayed (${(streamed / 1e6).toFixed(0)} MB written upstream), RSS +${growth.toFixed(1)} MB over ${baseline.toFixed(0)} MB; trace ERROR, truncated, client_aborted: ${traced}; ${open} left open`,
      ok: bounded && open === 0 && traced && exit.code === 0,
    });
    expect(received.bytes).toBeGreaterThan(50e6);
    expect(growth).toBeLessThan(64);
    expect(open).toBe(0);
    expect(traced).toBe(true);
    expect(exit.code).toBe(0);
  } finally {
    await child.stop('SIGKILL');
  }
});
