import type { KeyInfoFailure } from './attribution/key-info-client';
import { createHistogram, EXPORT_BUCKETS, REQUEST_BUCKETS, type Histogram } from './histogram';

/** Counters the sidecar exposes at /_sidecar/metrics; plain numbers, incremented on the hot path without allocation. */
export interface SidecarMetrics {
  requestsTotal: number;
  requestsInFlight: number;
  upstreamErrorsTotal: number;
  /** Upstream failures by the error table's code (and `broke_mid_response`): a bounded label set. */
  upstreamFailures: Record<'upstream_unavailable' | 'upstream_timeout' | 'bad_gateway' | 'broke_mid_response', number>;
  upstreamResendsTotal: number;
  /** Proxied request durations (start to last byte), by route family; routes not traced are `other`. */
  requestDurations: Map<string, Histogram>;
  /** Export request durations (first attempt to Langfuse's answer, retries included). */
  exportDuration: Histogram;
  clientAbortsTotal: number;
  /** Calls LANGFUSE_SAMPLE_RATE left out: never encoded, never exported. */
  tracesSampledOutTotal: number;
  tracesRecordedTotal: number;
  tracesExportedTotal: number;
  tracesDroppedTotal: number;
  tracesDroppedQueueFull: number;
  tracesDroppedExportFailed: number;
  tracesDroppedShutdown: number;
  /** Calls whose per-request project was refused (a langfuse_host not allowed, too many projects). */
  tracesDroppedProjectRefused: number;
  exportRequestsTotal: number;
  exportFailuresTotal: number;
  /** LiteLLM key lookups (LITELLM_MASTER_KEY set), by answer. */
  keyInfoLookups: { found: number; not_found: number; failed: number };
  keyInfoFailures: Record<KeyInfoFailure, number>;
  queueLength: () => number;
  queueBytes: () => number;
  /** The default project's public key, to label its per-project series. */
  publicKey?: string;
  /** The other projects' export lanes (projects/project-lanes.ts); this object is the default lane's. */
  projectLanes: Array<{ name: string; publicKey: string; metrics: SidecarMetrics }>;
}

type TraceCounter = 'tracesRecordedTotal' | 'tracesExportedTotal' | 'tracesDroppedTotal' | 'tracesDroppedQueueFull' | 'tracesDroppedExportFailed' | 'tracesDroppedShutdown' | 'exportRequestsTotal' | 'exportFailuresTotal';

/** A trace counter over every project's lane: the sidecar's total. */
export const totalOf = (m: SidecarMetrics, counter: TraceCounter): number => m.projectLanes.reduce((sum, lane) => sum + lane.metrics[counter], m[counter]);

/** Creates zeroed metrics; queue gauges are read lazily from the export queue. */
export function createMetrics(): SidecarMetrics {
  return {
    requestsTotal: 0,
    requestsInFlight: 0,
    upstreamErrorsTotal: 0,
    upstreamFailures: { upstream_unavailable: 0, upstream_timeout: 0, bad_gateway: 0, broke_mid_response: 0 },
    requestDurations: new Map(),
    exportDuration: createHistogram(EXPORT_BUCKETS),
    upstreamResendsTotal: 0,
    clientAbortsTotal: 0,
    tracesSampledOutTotal: 0,
    tracesRecordedTotal: 0,
    tracesExportedTotal: 0,
    tracesDroppedTotal: 0,
    tracesDroppedQueueFull: 0,
    tracesDroppedExportFailed: 0,
    tracesDroppedShutdown: 0,
    tracesDroppedProjectRefused: 0,
    exportRequestsTotal: 0,
    exportFailuresTotal: 0,
    keyInfoLookups: { found: 0, not_found: 0, failed: 0 },
    keyInfoFailures: { unauthorized: 0, no_database: 0, timeout: 0, unreachable: 0, error: 0 },
    queueLength: () => 0,
    queueBytes: () => 0,
    projectLanes: [],
  };
}

/** Records one proxied request's duration under its route family (a bounded set: LiteLLM's routes, or `other`). */
export function observeRequest(m: SidecarMetrics, route: string | undefined, seconds: number): void {
  const key = route ?? 'other';
  let histogram = m.requestDurations.get(key);
  if (histogram === undefined) {
    histogram = createHistogram(REQUEST_BUCKETS);
    m.requestDurations.set(key, histogram);
  }
  histogram.observe(seconds);
}

/** Renders the metrics in the Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(m: SidecarMetrics): string {
  const lines: string[] = [];
  const add = (name: string, type: 'counter' | 'gauge', help: string, value: number, labels = '') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${value}`);
  };
  add('sidecar_requests_total', 'counter', 'Requests received by the sidecar (proxied routes).', m.requestsTotal);
  add('sidecar_requests_in_flight', 'gauge', 'Proxied requests not yet finished.', m.requestsInFlight);
  add('sidecar_upstream_errors_total', 'counter', 'Requests that failed to reach LiteLLM or broke mid-response.', m.upstreamErrorsTotal);
  lines.push('# HELP sidecar_upstream_failures_total Upstream failures by cause (503 refused or not found, 504 timeout, 502 other, or broken after the response started).', '# TYPE sidecar_upstream_failures_total counter');
  for (const [code, count] of Object.entries(m.upstreamFailures)) lines.push(`sidecar_upstream_failures_total{code="${code}"} ${count}`);
  lines.push('# HELP sidecar_request_duration_seconds Proxied request duration, from the request to the last response byte, by route family.', '# TYPE sidecar_request_duration_seconds histogram');
  for (const [route, histogram] of m.requestDurations) lines.push(...histogram.render('sidecar_request_duration_seconds', `route="${route}"`));
  add('sidecar_upstream_resends_total', 'counter', 'Requests resent once on a fresh connection after LiteLLM reset theirs before answering.', m.upstreamResendsTotal);
  add('sidecar_client_aborts_total', 'counter', 'Requests the client abandoned before the response ended.', m.clientAbortsTotal);
  add('sidecar_traces_sampled_out_total', 'counter', 'Calls left out by LANGFUSE_SAMPLE_RATE (decided by trace id; never encoded).', m.tracesSampledOutTotal);
  add('sidecar_traces_recorded_total', 'counter', 'Exchanges handed to an export queue.', totalOf(m, 'tracesRecordedTotal'));
  add('sidecar_traces_exported_total', 'counter', 'Traces accepted by Langfuse.', totalOf(m, 'tracesExportedTotal'));
  lines.push('# HELP sidecar_traces_dropped_total Traces given up, by reason.', '# TYPE sidecar_traces_dropped_total counter');
  lines.push(`sidecar_traces_dropped_total{reason="queue_full"} ${totalOf(m, 'tracesDroppedQueueFull')}`);
  lines.push(`sidecar_traces_dropped_total{reason="export_failed"} ${totalOf(m, 'tracesDroppedExportFailed')}`);
  lines.push(`sidecar_traces_dropped_total{reason="shutdown"} ${totalOf(m, 'tracesDroppedShutdown')}`);
  lines.push(`sidecar_traces_dropped_total{reason="project_refused"} ${m.tracesDroppedProjectRefused}`);
  add('sidecar_export_requests_total', 'counter', 'OTLP export requests sent to Langfuse (including retries).', totalOf(m, 'exportRequestsTotal'));
  add('sidecar_export_failures_total', 'counter', 'OTLP export batches that failed for good.', totalOf(m, 'exportFailuresTotal'));
  lines.push('# HELP sidecar_export_duration_seconds Export request duration to Langfuse (or the OTLP endpoint), retries included.', '# TYPE sidecar_export_duration_seconds histogram');
  lines.push(...m.exportDuration.render('sidecar_export_duration_seconds'));
  lines.push('# HELP sidecar_key_info_lookups_total LiteLLM key lookups for attribution (LITELLM_MASTER_KEY set), by answer.', '# TYPE sidecar_key_info_lookups_total counter');
  for (const [result, count] of Object.entries(m.keyInfoLookups)) lines.push(`sidecar_key_info_lookups_total{result="${result}"} ${count}`);
  lines.push('# HELP sidecar_key_info_failures_total Failed LiteLLM key lookups, by reason (each pauses lookups for a while).', '# TYPE sidecar_key_info_failures_total counter');
  for (const [reason, count] of Object.entries(m.keyInfoFailures)) lines.push(`sidecar_key_info_failures_total{reason="${reason}"} ${count}`);
  add('sidecar_export_queue_length', 'gauge', 'Exchanges waiting to be exported.', m.projectLanes.reduce((sum, lane) => sum + lane.metrics.queueLength(), m.queueLength()));
  add('sidecar_export_queue_bytes', 'gauge', 'Captured bytes held by the export queues.', m.projectLanes.reduce((sum, lane) => sum + lane.metrics.queueBytes(), m.queueBytes()));
  if (m.projectLanes.length > 0) renderProjectLanes(m, lines);
  return `${lines.join('\n')}\n`;
}

/** Per-project series, labelled by the routing file's name and the public key (never a secret), bounded by the lane cap. */
function renderProjectLanes(m: SidecarMetrics, lines: string[]): void {
  const lanes = [{ name: 'default', publicKey: m.publicKey ?? '', metrics: m }, ...m.projectLanes];
  const label = (lane: (typeof lanes)[number]) => `project="${lane.name}",public_key="${lane.publicKey.replace(/["\\\n]/g, '_')}"`;
  lines.push('# HELP sidecar_project_traces_exported_total Traces accepted by Langfuse, per project.', '# TYPE sidecar_project_traces_exported_total counter');
  for (const lane of lanes) lines.push(`sidecar_project_traces_exported_total{${label(lane)}} ${lane.metrics.tracesExportedTotal}`);
  lines.push('# HELP sidecar_project_traces_dropped_total Traces given up, per project and reason.', '# TYPE sidecar_project_traces_dropped_total counter');
  for (const lane of lanes) {
    lines.push(`sidecar_project_traces_dropped_total{${label(lane)},reason="queue_full"} ${lane.metrics.tracesDroppedQueueFull}`);
    lines.push(`sidecar_project_traces_dropped_total{${label(lane)},reason="export_failed"} ${lane.metrics.tracesDroppedExportFailed}`);
    lines.push(`sidecar_project_traces_dropped_total{${label(lane)},reason="shutdown"} ${lane.metrics.tracesDroppedShutdown}`);
  }
  lines.push('# HELP sidecar_project_export_queue_length Exchanges waiting to be exported, per project.', '# TYPE sidecar_project_export_queue_length gauge');
  for (const lane of lanes) lines.push(`sidecar_project_export_queue_length{${label(lane)}} ${lane.metrics.queueLength()}`);
}
