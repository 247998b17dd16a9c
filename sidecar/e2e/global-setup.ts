import { startStack, type RunningStack } from './start-stack';

/** Key on globalThis where global-teardown.ts finds the running stack. */
export const STACK_KEY = '__litellmSidecarE2eStack';

/** Jest global setup: starts the stack once for every e2e file (LiteLLM takes ~10 s to start) and hands its addresses to the test files. */
export default async function globalSetup(): Promise<void> {
  const stack: RunningStack = await startStack();
  (globalThis as Record<string, unknown>)[STACK_KEY] = stack;
  // Test files run in their own module registry; environment variables reach them.
  process.env.E2E_STACK = JSON.stringify(stack.info);
  const { info } = stack;
  process.stdout.write(
    `\n[e2e] LiteLLM ${info.litellmUrl} (started in ${info.litellmStartMs} ms), ` +
      (info.sidecarUrl ? `sidecar ${info.sidecarUrl} (started in ${info.sidecarStartMs} ms)` : `sidecar NOT running: ${info.sidecarError}`) +
      `, logs in ${info.logDir}\n`,
  );
}
