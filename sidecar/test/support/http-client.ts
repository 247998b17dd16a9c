import http from 'node:http';
import net from 'node:net';

/** A response as a test reads it: status, headers (parsed and raw) and the exact body bytes. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** Options for sendRequest. */
export interface SendOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string> | string[];
  body?: Buffer | string;
  /** Defaults to a fresh connection per request (agent: false), so nothing stays open after a test. */
  agent?: http.Agent | false;
}

/** Sends one request and reads the whole response. */
export function sendRequest(url: string, options: SendOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${options.path ?? '/'}`,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs a JSON body (content-type set) and reads the whole response. */
export function postJson(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return sendRequest(url, { method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The response body parsed as JSON (any: tests walk arbitrary response shapes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const readJson = (response: RawResponse): any => JSON.parse(response.body.toString('utf8'));

/** A response read incrementally: for tests that act between chunks (time to first byte, aborts). */
export interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything received so far. */
  received: () => string;
  /** Resolves once the received text contains `text`. */
  waitForText: (text: string) => Promise<void>;
  /** Resolves with the whole body when the response ends; rejects if it breaks. */
  done: Promise<string>;
  /** Tears the connection down, as a client that gives up does. */
  destroy: () => void;
}

/** Sends a request and resolves as soon as the response head arrives, leaving the body to be read as it comes. */
export function openStream(url: string, options: SendOptions = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${options.path ?? '/'}`, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      let text = '';
      const waiters: Array<{ text: string; resolve: () => void }> = [];
      const check = () => {
        for (let i = waiters.length - 1; i >= 0; i--) {
          const waiter = waiters[i] as { text: string; resolve: () => void };
          if (text.includes(waiter.text)) {
            waiters.splice(i, 1);
            waiter.resolve();
          }
        }
      };
      const done = new Promise<string>((resolveDone, rejectDone) => {
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          check();
        });
        res.on('end', () => resolveDone(text));
        res.on('error', rejectDone);
        res.on('aborted', () => rejectDone(new Error('response aborted')));
      });
      // A test that destroys the stream does not care how `done` ends.
      done.catch(() => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        received: () => text,
        waitForText: (wanted) =>
          new Promise<void>((resolveWait, rejectWait) => {
            waiters.push({ text: wanted, resolve: resolveWait });
            check();
            done.then(
              () => (text.includes(wanted) ? undefined : rejectWait(new Error(`stream ended without "${wanted}": ${text}`))),
              (error: Error) => (text.includes(wanted) ? undefined : rejectWait(error)),
            );
          }),
        done,
        destroy: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A promise a test opens by hand: the fake LiteLLM waits on it between chunks. */
export interface Gate {
  promise: Promise<void>;
  open: () => void;
}

/** Creates a closed gate. */
export function createGate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads one sample from /_sidecar/metrics, e.g. `sidecar_traces_dropped_total{reason="export_failed"}`. */
export async function readMetric(sidecarUrl: string, sample: string): Promise<number> {
  const text = (await sendRequest(sidecarUrl, { path: '/_sidecar/metrics' })).body.toString('utf8');
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (line === undefined) throw new Error(`no metric sample ${sample}`);
  return Number(line.slice(sample.length + 1));
}

/** A loopback port nothing listens on: bound, then released. */
export async function findClosedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
