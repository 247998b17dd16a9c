import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeOtlpExport } from '../../test/support/decode-otlp';

type DecodedExport = { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }> };

/** Spans in one export, decoded as a collector would (a body that does not decode counts none). */
function countSpans(raw: Buffer, contentType: string | undefined): number {
  try {
    const decoded = decodeOtlpExport(raw, contentType) as DecodedExport;
    let spans = 0;
    for (const rs of decoded.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
    return spans;
  } catch {
    return 0;
  }
}

/**
 * A Langfuse OTLP endpoint for long runs: it counts spans instead of keeping them (the test fake keeps every
 * body, which a 30-minute soak would turn into gigabytes in the load process). Mode `error500` fails exports.
 */
export interface CountingLangfuse {
  url: string;
  mode: 'ok' | 'error500';
  spansAccepted: number;
  requests: number;
  /** Bodies are scanned for these strings on arrival; hits are counted (the secrets check of the soak). */
  markerHits: number;
  close: () => Promise<void>;
}

/** Starts the counting fake on 127.0.0.1:0; `markers` are searched in every body received. */
export async function startCountingLangfuse(markers: string[]): Promise<CountingLangfuse> {
  const sockets = new Set<Socket>();
  const fake: CountingLangfuse = {
    url: '',
    mode: 'ok',
    spansAccepted: 0,
    requests: 0,
    markerHits: 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      fake.requests++;
      const body = Buffer.concat(chunks).toString('utf8');
      for (const marker of markers) if (body.includes(marker)) fake.markerHits++;
      if (fake.mode === 'error500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"internal error"}');
        return;
      }
      fake.spansAccepted += countSpans(Buffer.concat(chunks), req.headers['content-type']);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
