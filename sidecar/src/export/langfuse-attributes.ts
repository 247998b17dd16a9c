/**
 * The Langfuse SDK's OpenTelemetry contract, as `@langfuse/core` 5.11.1 spells it (LangfuseOtelSpanAttributes,
 * LANGFUSE_SDK_VERSION, LANGFUSE_TRACER_NAME). Kept here rather than imported: loading `@langfuse/core` at run
 * time costs ~18 MB of resident memory for a handful of strings. `sidecar/test/langfuse-attributes.test.ts`
 * holds these equal to the pinned package, and `sdk-parity.test.ts` compares whole exports with the SDK's.
 */
export const LANGFUSE_ATTRIBUTES = {
  OBSERVATION_TYPE: 'langfuse.observation.type',
  OBSERVATION_INPUT: 'langfuse.observation.input',
  OBSERVATION_OUTPUT: 'langfuse.observation.output',
  OBSERVATION_METADATA: 'langfuse.observation.metadata',
  OBSERVATION_MODEL: 'langfuse.observation.model.name',
  OBSERVATION_MODEL_PARAMETERS: 'langfuse.observation.model.parameters',
  OBSERVATION_USAGE_DETAILS: 'langfuse.observation.usage_details',
  OBSERVATION_COST_DETAILS: 'langfuse.observation.cost_details',
  OBSERVATION_COMPLETION_START_TIME: 'langfuse.observation.completion_start_time',
  OBSERVATION_LEVEL: 'langfuse.observation.level',
  OBSERVATION_STATUS_MESSAGE: 'langfuse.observation.status_message',
  OBSERVATION_PROMPT_NAME: 'langfuse.observation.prompt.name',
  OBSERVATION_PROMPT_VERSION: 'langfuse.observation.prompt.version',
  ENVIRONMENT: 'langfuse.environment',
  RELEASE: 'langfuse.release',
  VERSION: 'langfuse.version',
  TRACE_NAME: 'langfuse.trace.name',
  TRACE_USER_ID: 'user.id',
  TRACE_SESSION_ID: 'session.id',
  TRACE_TAGS: 'langfuse.trace.tags',
  TRACE_METADATA: 'langfuse.trace.metadata',
  IS_APP_ROOT: 'langfuse.internal.is_app_root',
} as const;

/** The SDK version the spans announce as their instrumentation scope's (the pinned `@langfuse/core`). */
export const LANGFUSE_SDK_VERSION = '5.11.1';

/** The instrumentation scope name of the SDK's spans; Langfuse reads spans of this scope as SDK spans. */
export const LANGFUSE_TRACER_NAME = 'langfuse-sdk';
