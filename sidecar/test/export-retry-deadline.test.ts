import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOtlpSender } from '../src/export/send-otlp';

/**
 * Regression: a batch gave up as soon as its next backoff step would cross the export timeout, so with backoff
 * doubling up to 5 s it could stop trying seconds early, and an outage shorter than SIDECAR_EXPORT_TIMEOUT_MS
 * still lost it. The last wait is now cut short so one attempt lands just before the deadline.
 */
describe('export retries use the whole timeout', () => {
  test('a Langfuse down for most of the timeout (503 without Retry-After) still gets the batch', async () => {
    let downUntil = 0;
    const attempts: number[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        attempts.push(Date.now());
        res.writeHead(Date.now() < downUntil ? 503 : 200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/public/otel/v1/traces`;
    const sender = createOtlpSender({ url, publicKey: 'pk-lf-1', secretKey: 'sk-lf-1', timeoutMs: 3000 });
    try {
      const start = Date.now();
      downUntil = start + 2500;
      const result = await sender.send(Buffer.from('batch'));
      expect(result.ok).toBe(true);
      expect((attempts.at(-1) as number) - start).toBeGreaterThanOrEqual(2500);
      expect(Date.now() - start).toBeLessThan(3000 + 500);
    } finally {
      sender.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
