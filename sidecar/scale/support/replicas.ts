import { reservePort } from '../../faults/support/fake-upstream';
import { spawnSidecar, type ChildExit, type ChildSidecar } from '../../faults/support/spawn-sidecar';
import { startNginx, type Nginx } from './nginx';

/** One replica: a fixed port (as a pod's), and the sidecar process serving it now, if any. */
export interface Replica {
  index: number;
  port: number;
  process?: ChildSidecar;
  /** Taken out of the endpoints by the harness (terminating), whatever its readiness says. */
  terminating: boolean;
}

/** N sidecar replicas behind nginx, with endpoints that follow each replica's /_sidecar/ready, as Kubernetes does. */
export interface ReplicaSet {
  replicas: Replica[];
  /** Every sidecar process started, replaced ones included (their logs hold their `stopped` line). */
  processes: ChildSidecar[];
  nginx: Nginx;
  /** Kubernetes' rolling update for one replica: out of the endpoints, preStop pause, SIGTERM, drain, a new one, ready. */
  restart: (index: number) => Promise<ChildExit>;
  kill: (index: number) => Promise<void>;
  close: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function isReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/_sidecar/ready`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** Starts `count` replicas and nginx in front of them; `env` configures every sidecar. */
export async function startReplicaSet(count: number, options: { upstreamUrl: string; langfuseUrl: string; env?: Record<string, string> }): Promise<ReplicaSet> {
  const processes: ChildSidecar[] = [];
  const spawnOn = async (port: number) => {
    const child = await spawnSidecar({ upstreamUrl: options.upstreamUrl, langfuseUrl: options.langfuseUrl, env: { PORT: String(port), ...options.env } });
    processes.push(child);
    return child;
  };
  const replicas: Replica[] = [];
  for (let index = 0; index < count; index++) {
    const port = await reservePort();
    replicas.push({ index, port, process: await spawnOn(port), terminating: false });
  }
  const nginx = await startNginx(await reservePort(), replicas.map((r) => r.port));
  let endpoints = replicas.map((r) => r.port).join(',');
  let syncing = Promise.resolve();
  let closed = false;

  /** The endpoints controller: ready and not terminating, re-rendered into nginx when that set changes. */
  async function sync(): Promise<void> {
    const ready: number[] = [];
    for (const replica of replicas) if (!replica.terminating && replica.process && (await isReady(replica.port))) ready.push(replica.port);
    const next = ready.join(',');
    // nginx needs at least one server; with none ready the last set stays (a Service with no endpoints refuses too).
    if (next !== endpoints && ready.length > 0) {
      endpoints = next;
      await nginx.setUpstreams(ready);
    }
  }
  const loop = async () => {
    while (!closed) {
      syncing = sync();
      await syncing;
      await sleep(200);
    }
  };
  void loop();

  return {
    replicas,
    processes,
    nginx,
    async restart(index) {
      const replica = replicas[index] as Replica;
      replica.terminating = true;
      await syncing;
      await sync();
      // The preStop pause: endpoints have dropped the pod before SIGTERM arrives.
      await sleep(1000);
      const exit = await (replica.process as ChildSidecar).stop('SIGTERM', 30_000);
      replica.process = await spawnOn(replica.port);
      replica.terminating = false;
      while (!(await isReady(replica.port))) await sleep(50);
      await syncing;
      await sync();
      return exit;
    },
    async kill(index) {
      const replica = replicas[index] as Replica;
      await replica.process?.stop('SIGKILL', 0);
      replica.process = undefined;
    },
    async close() {
      closed = true;
      await syncing;
      for (const replica of replicas) await replica.process?.stop('SIGTERM', 30_000);
      await nginx.close();
    },
  };
}
