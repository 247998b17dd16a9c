import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ExportOptions } from '../config';
import { createExportQueue, type ExportQueue } from '../export/export-queue';
import { createOtlpBatchEncoder } from '../export/otlp-batch';
import { appendSpan } from '../export/otlp-proto';
import { createOtlpSender, type OtlpSender } from '../export/send-otlp';
import type { SpanRecord } from '../export/span-record';
import { createMetrics, type SidecarMetrics } from '../metrics';
import type { Exchange } from '../trace/exchange';
import { SIDECAR_VERSION } from '../version';
import type { NamedProject, ProjectCredentials } from './projects-file';

/** One Langfuse project's own export path: queue, batches, sender, bounds and counters. */
export interface ProjectLane {
  /** The routing file's name, `default`, or `request` for per-request credentials. */
  name: string;
  publicKey: string;
  queue: ExportQueue;
  sender: OtlpSender;
  /** The lane's counters; the default lane's are the sidecar's own, the others' are added up in /_sidecar/metrics. */
  metrics: SidecarMetrics;
}

/** Where one lane exports, and as whom. */
interface LaneTarget {
  tracesUrl: string;
  publicKey?: string;
  secretKey?: string;
  headers?: Record<string, string>;
}

const toTarget = (project: ProjectCredentials): LaneTarget => ({ tracesUrl: `${project.baseUrl}/api/public/otel/v1/traces`, publicKey: project.publicKey, secretKey: project.secretKey });

/** Options for createProjectLanes. */
export interface ProjectLanesOptions {
  /** The default project: its Langfuse (`baseUrl`, the default for per-request projects) and where its traces go. */
  defaultProject: LaneTarget & { baseUrl: string };
  compression: 'gzip' | 'none';
  namedProjects: NamedProject[];
  /** Per-request projects (LiteLLM's `langfuse_public_key`/`langfuse_secret_key`/`langfuse_host`). */
  requestProjects: { enabled: boolean; allowedOrigins: string[]; maxLanes: number };
  exportOptions: ExportOptions;
  recordExchange: (exchange: Exchange) => SpanRecord;
  metrics: SidecarMetrics;
  logger: Logger;
}

/** Why a call's trace has no lane: a request named a Langfuse the sidecar may not send to, or too many projects. */
export type LaneRefusal = 'host_not_allowed' | 'too_many_projects';

/** The lanes by project, created on first use. */
export interface ProjectLanes {
  defaultLane: ProjectLane;
  named: (name: string) => ProjectLane | undefined;
  forRequest: (credentials: { publicKey: string; secretKey: string; host?: string }) => ProjectLane | LaneRefusal;
  all: () => ProjectLane[];
  flush: (deadlineMs: number) => Promise<{ abandoned: number }>;
  close: () => void;
}

/**
 * Each project gets its own export lane (issue 13 §2): its own queue bounds, batches, sender and retries, so one
 * project's outage or refused keys fill and drop only its own queue, and never delay another's exports. Lanes
 * for per-request credentials are capped (SIDECAR_MAX_REQUEST_PROJECTS): a client cannot make the sidecar hold
 * unbounded queues. A lane is keyed by host, public key and a hash of the secret, so a wrong secret sent with a
 * right public key gets a lane of its own, whose 401s stay its own.
 */
export function createProjectLanes(options: ProjectLanesOptions): ProjectLanes {
  const { logger } = options;
  const lanes = new Map<string, ProjectLane>();

  function createLane(name: string, project: LaneTarget, metrics: SidecarMetrics): ProjectLane {
    const sender = createOtlpSender({
      url: project.tracesUrl,
      publicKey: project.publicKey,
      secretKey: project.secretKey,
      headers: project.headers,
      compression: options.compression,
      timeoutMs: options.exportOptions.timeoutMs,
      onAttempt: () => {
        metrics.exportRequestsTotal++;
      },
    });
    const encoder = createOtlpBatchEncoder({ serviceName: 'litellm-langfuse-sidecar', sdkVersion: SIDECAR_VERSION, publicKey: project.publicKey ?? '' });
    const queue = createExportQueue({
      ...options.exportOptions,
      encodeExchange: (exchange, batch) => {
        appendSpan(batch, options.recordExchange(exchange));
        return true;
      },
      createBatch: encoder.createBatch,
      finishBatch: encoder.finishBatch,
      releaseBatch: encoder.releaseBatch,
      sender,
      metrics,
      // Its warnings say which project they are about (by public key: never the secret).
      logger: name === 'default' ? logger : logger.child({ project: name, langfusePublicKey: project.publicKey }),
    });
    return { name, publicKey: project.publicKey ?? '', queue, sender, metrics };
  }

  const laneKey = (project: LaneTarget) => `${project.tracesUrl}\n${project.publicKey ?? ''}\n${createHash('sha256').update(project.secretKey ?? '').digest('hex')}`;
  const defaultLane = createLane('default', options.defaultProject, options.metrics);
  lanes.set(laneKey(options.defaultProject), defaultLane);
  const namedProjects = new Map(options.namedProjects.map((project) => [project.name, project]));
  let requestLanes = 0;

  function laneFor(name: string, project: LaneTarget): ProjectLane {
    const key = laneKey(project);
    let lane = lanes.get(key);
    if (!lane) {
      lane = createLane(name, project, createMetrics());
      lanes.set(key, lane);
      options.metrics.projectLanes.push(lane);
    }
    return lane;
  }

  return {
    defaultLane,
    named(name) {
      const project = namedProjects.get(name);
      return project ? laneFor(name, toTarget(project)) : undefined;
    },
    forRequest(credentials) {
      let baseUrl = options.defaultProject.baseUrl;
      if (credentials.host !== undefined) {
        let origin: string | undefined;
        try {
          const url = new URL(credentials.host);
          origin = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
          baseUrl = credentials.host.replace(/\/+$/, '');
        } catch {
          origin = undefined;
        }
        // A client may not point the sidecar at an arbitrary URL: it would POST there from inside the network.
        if (origin === undefined || !options.requestProjects.allowedOrigins.includes(origin)) return 'host_not_allowed';
      }
      const project = toTarget({ baseUrl, publicKey: credentials.publicKey, secretKey: credentials.secretKey });
      const existing = lanes.get(laneKey(project));
      if (existing) return existing;
      if (requestLanes >= options.requestProjects.maxLanes) return 'too_many_projects';
      requestLanes++;
      return laneFor('request', project);
    },
    all: () => [...lanes.values()],
    async flush(deadlineMs) {
      const results = await Promise.all([...lanes.values()].map((lane) => lane.queue.flush(deadlineMs)));
      return { abandoned: results.reduce((sum, result) => sum + result.abandoned, 0) };
    },
    close() {
      for (const lane of lanes.values()) lane.sender.close();
    },
  };
}
