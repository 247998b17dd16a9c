import { LANGFUSE_SDK_VERSION as SDK_VERSION, LANGFUSE_TRACER_NAME as SDK_TRACER, LangfuseOtelSpanAttributes } from '@langfuse/core';
import { LANGFUSE_ATTRIBUTES, LANGFUSE_SDK_VERSION, LANGFUSE_TRACER_NAME } from '../src/export/langfuse-attributes';

/** The sidecar keeps its own copy of the SDK's attribute names (see langfuse-attributes.ts): it must not drift. */
describe('the Langfuse attribute contract', () => {
  test('every attribute name the sidecar writes is the one the pinned @langfuse/core defines', () => {
    for (const [name, value] of Object.entries(LANGFUSE_ATTRIBUTES)) {
      expect([name, value]).toEqual([name, LangfuseOtelSpanAttributes[name as keyof typeof LangfuseOtelSpanAttributes]]);
    }
  });

  test('the SDK version and tracer name are the pinned package\'s', () => {
    expect(LANGFUSE_SDK_VERSION).toBe(SDK_VERSION);
    expect(LANGFUSE_TRACER_NAME).toBe(SDK_TRACER);
  });
});
