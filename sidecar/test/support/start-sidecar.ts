import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createSidecar, type Sidecar } from '../../src/sidecar';

/** A sidecar started in-process on 127.0.0.1:0, with its log lines collected as parsed JSON. */
export interface TestSidecar {
  url: string;
  sidecar: Sidecar;
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  close: () => Promise<void>;
}

/** Starts a sidecar against `upstreamUrl`, tracing to `langfuseUrl` when given; `env` overrides anything. */
export async function startSidecar(upstreamUrl: string, langfuseUrl?: string, env: Record<string, string> = {}): Promise<TestSidecar> {
  const rawLogs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LITELLM_BASE_URL: upstreamUrl,
    SIDECAR_EXPORT_INTERVAL_MS: '20',
    ...(langfuseUrl ? { LANGFUSE_BASE_URL: langfuseUrl, LANGFUSE_PUBLIC_KEY: 'pk-lf-test', LANGFUSE_SECRET_KEY: 'sk-lf-test-secret' } : {}),
    ...env,
  });
  const logger = createLogger({ level: config.logLevel, format: 'json', destination });
  const sidecar = createSidecar({ config, logger });
  const address = await sidecar.listen();
  let closed = false;
  return {
    url: `http://127.0.0.1:${address.port}`,
    sidecar,
    logs,
    rawLogs,
    close: async () => {
      if (closed) return;
      closed = true;
      await sidecar.shutdown(2000);
    },
  };
}
