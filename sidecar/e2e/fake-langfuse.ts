import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeOtlpExport } from '../test/support/decode-otlp';

/** Where Langfuse takes OTLP/HTTP traces. */
export const OTLP_TRACES_PATH = '/api/public/otel/v1/traces';

/** Where the fake serves what it recorded, so test files in another module registry can read it. */
export const RECORDED_PATH = '/_e2e/recorded';

/** One OTLP export POST as the fake received it. */
export interface RecordedExport {
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/** A running fake Langfuse that records OTLP exports (decoded to the OTLP/JSON shape). */
export interface FakeLangfuse {
  url: string;
  exports: RecordedExport[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a fake Langfuse on 127.0.0.1 port 0: accepts OTLP (protobuf or JSON) at the real path and answers like Langfuse (200, empty partial success). */
export async function startFakeLangfuse(): Promise<FakeLangfuse> {
  const exports: RecordedExport[] = [];
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const path = (req.url ?? '/').split('?')[0];
        if (req.method === 'GET' && path === RECORDED_PATH) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(exports));
          return;
        }
        if (req.method !== 'POST' || path !== OTLP_TRACES_PATH) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"message":"not found"}');
          return;
        }
        // As Langfuse's OTel route does: an ingestion version above 4 or not a number is refused.
        const ingestionVersion = req.headers['x-langfuse-ingestion-version'];
        if (typeof ingestionVersion === 'string' && !(Number.parseInt(ingestionVersion, 10) <= 4)) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `Unsupported x-langfuse-ingestion-version: "${ingestionVersion}". Maximum supported: "4".` }));
          return;
        }
        let body: unknown = null;
        try {
          body = decodeOtlpExport(raw, req.headers['content-type']);
        } catch {
          // Recorded as a string so a test sees that an undecodable export arrived.
          body = raw.toString('base64');
        }
        exports.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      })
      .catch(() => {
        res.writeHead(400);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
