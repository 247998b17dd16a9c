/**
 * Decides from a trace id whether its trace is kept, the way OpenTelemetry's TraceIdRatioBased sampler does in
 * the Langfuse Python SDK (the SDK that defines LANGFUSE_SAMPLE_RATE; opentelemetry-sdk `sampling.py`): the
 * trace id's low 64 bits below `round(rate × 2^64)`. The same rate on the same id gives the same answer in
 * every process, so a call nested under a caller's trace (W3C traceparent) is kept exactly when its caller's
 * spans are, and the retries of one trace id are all kept or all dropped. (OpenTelemetry JS hashes the id
 * differently, XOR of its four 32-bit words: a JavaScript caller sampling at the same rate keeps a different
 * subset; docs/attribution.md says so.)
 */
export function createTraceSampler(rate: number): (traceId: string) => boolean {
  if (rate >= 1) return () => true;
  if (rate <= 0) return () => false;
  const bound = BigInt(Math.round(rate * 2 ** 64));
  return (traceId) => BigInt(`0x${traceId.slice(16, 32)}`) < bound;
}
