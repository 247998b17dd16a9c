/** Metric samples by name, with labels kept in the key as written (`name{reason="queue_full"}`). */
export type MetricValues = Record<string, number>;

/** Parses the Prometheus text format the sidecar serves (no timestamps, no escapes needed here). */
export function parsePrometheus(text: string): MetricValues {
  const values: MetricValues = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return values;
}

/** The dropped-trace counters, by reason, and their sum. */
export function readDrops(values: MetricValues): { queueFull: number; exportFailed: number; shutdown: number; total: number } {
  const queueFull = values['sidecar_traces_dropped_total{reason="queue_full"}'] ?? 0;
  const exportFailed = values['sidecar_traces_dropped_total{reason="export_failed"}'] ?? 0;
  const shutdown = values['sidecar_traces_dropped_total{reason="shutdown"}'] ?? 0;
  return { queueFull, exportFailed, shutdown, total: queueFull + exportFailed + shutdown };
}
