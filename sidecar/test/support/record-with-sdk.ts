/**
 * Records one generation with the official Langfuse SDK and exits: run as its own process (tsx), because the
 * OTLP exporter loads node:http through a dynamic import() that jest's module sandbox refuses.
 * Input: a JSON GenerationSpec in argv[2]. Used by sdk-parity.test.ts.
 */
import { propagateAttributes, setLangfuseTraceIdInBaggage } from '@langfuse/core';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { setLangfuseTracerProvider, startObservation, type LangfuseGenerationAttributes } from '@langfuse/tracing';
import { ROOT_CONTEXT, TraceFlags, context } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { StackContextManager } from './stack-context-manager';

/** What to record: where to, the trace-level attributes to propagate, and the generation's attributes. */
export interface GenerationSpec {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  environment: string;
  release: string;
  name: string;
  /** The observation type (`generation` unless given). */
  asType?: 'generation' | 'embedding' | 'guardrail' | 'retriever';
  trace: { userId?: string; sessionId?: string; tags?: string[]; traceName?: string; version?: string; metadata?: Record<string, string> };
  start: LangfuseGenerationAttributes;
  /** `completionStartTime` travels as an ISO string and is turned back into a Date. */
  update: Omit<LangfuseGenerationAttributes, 'completionStartTime'> & { completionStartTime?: string };
  /** A remote parent span (an application's, from traceparent); `claimed`: its SDK put the trace in baggage. */
  parent?: { traceId: string; spanId: string; claimed: boolean };
}

async function recordGeneration(spec: GenerationSpec): Promise<void> {
  context.setGlobalContextManager(new StackContextManager());
  const processor = new LangfuseSpanProcessor({
    publicKey: spec.publicKey,
    secretKey: spec.secretKey,
    baseUrl: spec.baseUrl,
    environment: spec.environment,
    release: spec.release,
    exportMode: 'immediate',
    mediaUploadEnabled: false,
  });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  setLangfuseTracerProvider(provider);
  const parentSpanContext = spec.parent ? { traceId: spec.parent.traceId, spanId: spec.parent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true } : undefined;
  const outer = spec.parent?.claimed ? setLangfuseTraceIdInBaggage(ROOT_CONTEXT, spec.parent.traceId) : ROOT_CONTEXT;
  context.with(outer, () => propagateAttributes(spec.trace, () => {
    const { completionStartTime, ...update } = spec.update;
    const attributes = completionStartTime ? { ...update, completionStartTime: new Date(completionStartTime) } : update;
    if (spec.asType === 'embedding') {
      const embedding = startObservation(spec.name, spec.start, { asType: 'embedding' });
      embedding.update(attributes);
      embedding.end();
    } else if (spec.asType === 'guardrail' || spec.asType === 'retriever') {
      // Not generation-like in the SDK: no model, usage or cost attributes; the sidecar sends them when LiteLLM reports them.
      const { input, metadata } = spec.start;
      const observation = spec.asType === 'guardrail' ? startObservation(spec.name, { input, metadata }, { asType: 'guardrail' }) : startObservation(spec.name, { input, metadata }, { asType: 'retriever' });
      observation.update({ output: attributes.output });
      observation.end();
    } else {
      const generation = startObservation(spec.name, spec.start, { asType: 'generation', parentSpanContext });
      generation.update(attributes);
      generation.end();
    }
  }));
  await provider.forceFlush();
  await provider.shutdown();
}

recordGeneration(JSON.parse(process.argv[2] ?? '{}') as GenerationSpec).then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
