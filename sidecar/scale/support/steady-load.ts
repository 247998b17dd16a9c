import http from 'node:http';

/** One client call through the load balancer, as the client saw it. */
export interface CallRecord {
  ok: boolean;
  status?: number;
  error?: string;
  traceId?: string;
  /** The replica nginx sent it to (its X-Upstream header). */
  upstream?: string;
  startedAt: number;
}

const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'scale me' }] });

function call(url: URL): Promise<CallRecord> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    // A connection per call (agent: false): a client's keep-alive race with nginx's reloads is not what is measured.
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY), authorization: 'Bearer sk-scale' } }, (res) => {
      res.resume();
      res.on('end', () => {
        const traceId = res.headers['x-langfuse-trace-id'];
        const upstream = res.headers['x-upstream'];
        resolve({ ok: res.statusCode === 200, status: res.statusCode, traceId: typeof traceId === 'string' ? traceId : undefined, upstream: typeof upstream === 'string' ? upstream : undefined, startedAt });
      });
      res.on('error', (error) => resolve({ ok: false, error: error.message, startedAt }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.message, startedAt }));
    req.end(BODY);
  });
}

/** Closed-loop load from `concurrency` clients until stopped: steady traffic while replicas come and go. */
export function startSteadyLoad(baseUrl: string, concurrency: number): { stop: () => Promise<CallRecord[]> } {
  const url = new URL('/v1/chat/completions', baseUrl);
  const records: CallRecord[] = [];
  let running = true;
  const clients = Array.from({ length: concurrency }, async () => {
    while (running) records.push(await call(url));
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(clients);
      return records;
    },
  };
}
