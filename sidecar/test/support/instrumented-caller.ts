import { setLangfuseTracerProvider, startActiveObservation } from '@langfuse/tracing';
import { context, propagation } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { StackContextManager } from './stack-context-manager';

/** What an instrumented application puts on its outgoing request, and the span it was made from. */
export interface CallerRequest {
  headers: Record<string, string>;
  traceId: string;
  spanId: string;
}

let installed = false;
const provider = new BasicTracerProvider();

/** Installs OpenTelemetry as an application does: the W3C trace-context and baggage propagators (the SDK defaults). */
function install(): void {
  if (installed) return;
  installed = true;
  context.setGlobalContextManager(new StackContextManager());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  setLangfuseTracerProvider(provider);
}

function inject(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** Headers from inside an active @langfuse/tracing observation (which claims its trace in baggage, as the SDK does). */
export function injectFromLangfuseObservation(name: string): CallerRequest {
  install();
  return startActiveObservation(name, (observation) => ({ headers: inject(), traceId: observation.traceId, spanId: observation.id }));
}

/** Headers from inside an active span of a plain OpenTelemetry tracer (no Langfuse SDK upstream). */
export function injectFromOtelSpan(name: string): CallerRequest {
  install();
  return provider.getTracer('plain-app').startActiveSpan(name, (span) => {
    const request = { headers: inject(), traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
    span.end();
    return request;
  });
}
