import { STACK_KEY } from './global-setup';
import { stopStack, type RunningStack } from './start-stack';

/** Jest global teardown: stops the stack; a sidecar that does not exit 0 on SIGTERM fails the run. */
export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, unknown>)[STACK_KEY] as RunningStack | undefined;
  if (!stack) return;
  const { sidecarExit } = await stopStack(stack);
  if (stack.sidecar && sidecarExit !== 0) throw new Error(`the sidecar exited with ${sidecarExit} on SIGTERM (expected 0); see ${stack.info.logDir}/sidecar.log`);
}
