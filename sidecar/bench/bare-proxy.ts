/**
 * The bare Node pipe proxy: the least any node:http proxy can cost, and the yardstick for the sidecar.
 * No hop-by-hop cleanup, no error table, no capture: only what forwarding needs.
 */
import http from 'node:http';
import { announceReady } from './ipc';

const upstream = new URL(process.env.BENCH_UPSTREAM_URL ?? 'http://127.0.0.1:4001');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

const server = http.createServer((req, res) => {
  const forward = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  forward.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  req.pipe(forward);
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : undefined);
});
process.on('disconnect', () => process.exit(0));
