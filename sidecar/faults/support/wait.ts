/** Polls `check` until it returns a value other than undefined, or throws with `describe()` at the deadline. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, describe: () => string, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** FAULTS_SCALE multiplies the request counts (default 1, sized for CI on a 2-core machine). */
export const FAULTS_SCALE = Math.max(0.05, Number(process.env.FAULTS_SCALE ?? '1') || 1);

/** A request count scaled by FAULTS_SCALE, at least `min`. */
export const scaled = (count: number, min = 1): number => Math.max(min, Math.round(count * FAULTS_SCALE));
