import { startFakeLitellm, type FakeLitellm } from './fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './fake-langfuse';
import { startSidecar, type TestSidecar } from './start-sidecar';

/** The three processes most tests need: a fake LiteLLM, a fake Langfuse, and a sidecar between them. */
export interface TestStack {
  fake: FakeLitellm;
  langfuse: FakeLangfuse;
  sidecar: TestSidecar;
}

/** Starts a fake LiteLLM and a fake Langfuse, then a sidecar wired to both (`env` overrides its settings). */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const fake = await startFakeLitellm();
  const langfuse = await startFakeLangfuse();
  const sidecar = await startSidecar(fake.url, langfuse.url, env);
  return { fake, langfuse, sidecar };
}

/** Stops a stack: the sidecar first (it drains its traces), then the fakes. */
export async function closeTestStack(stack: TestStack): Promise<void> {
  await stack.sidecar.close();
  await stack.fake.close();
  await stack.langfuse.close();
}
