import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { chatCompletion, chatStreamEvents, sendJson, sendSse, type FakeHandler } from '../../test/support/fake-litellm';

/**
 * The fake LiteLLM answer for the mixed workload: a chat completion, streamed when the body asks for it,
 * whose content and call id carry the request's `x-fault-seq`, so each response is distinct and repeatable.
 */
export const answerMixedChat: FakeHandler = async (req, body, res) => {
  const seq = String(req.headers['x-fault-seq'] ?? '0');
  const headers = { 'x-litellm-call-id': `call-${seq}`, 'x-litellm-model-id': 'model-fault', 'x-litellm-response-cost': '0.000021' };
  if (body.includes('"stream":true')) {
    const { 'x-litellm-response-cost': _cost, ...streamHeaders } = headers;
    await sendSse(res, chatStreamEvents(['Hello', ', request ', seq], { usage: true }), 0, streamHeaders);
  } else {
    sendJson(res, 200, chatCompletion(`Hello, request ${seq}`), headers);
  }
};

/** A port nobody listens on (bound, then released), for "connection refused". */
export async function reservePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A plain TCP relay from `port` to `targetPort`: makes a refused address answer again, as a recovered Langfuse would. */
export async function startTcpRelay(port: number, targetPort: number): Promise<{ close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
