/**
 * A Prometheus histogram with fixed buckets: observing is a short scan and an increment, no allocation, so it
 * can sit on the request path. Rendered in the text exposition format (`_bucket{le=…}`, `_sum`, `_count`).
 */
export interface Histogram {
  observe: (seconds: number) => void;
  render: (name: string, labels?: string) => string[];
}

/** Upper bounds in seconds: LLM calls run from milliseconds (errors, cached answers) to minutes (long streams). */
export const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Export requests to Langfuse: milliseconds when healthy, up to the export timeout when not. */
export const EXPORT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createHistogram(bounds: readonly number[]): Histogram {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let sum = 0;
  let count = 0;
  return {
    observe(seconds) {
      let i = 0;
      while (i < bounds.length && seconds > (bounds[i] as number)) i++;
      counts[i] = (counts[i] as number) + 1;
      sum += seconds;
      count++;
    },
    render(name, labels = '') {
      const prefix = labels ? `${labels},` : '';
      const lines: string[] = [];
      let cumulative = 0;
      bounds.forEach((bound, i) => {
        cumulative += counts[i] as number;
        lines.push(`${name}_bucket{${prefix}le="${bound}"} ${cumulative}`);
      });
      lines.push(`${name}_bucket{${prefix}le="+Inf"} ${count}`);
      const suffix = labels ? `{${labels}}` : '';
      lines.push(`${name}_sum${suffix} ${sum}`, `${name}_count${suffix} ${count}`);
      return lines;
    },
  };
}
