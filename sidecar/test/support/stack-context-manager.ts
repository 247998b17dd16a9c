import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * A synchronous context manager: enough for work that is done inside `context.with` without awaiting (a span
 * active while its headers are injected, a generation started and ended in one turn). AsyncLocalStorage's manager
 * is not among the pinned packages, and none of these callers needs one.
 */
export class StackContextManager implements ContextManager {
  private stack: Context[] = [ROOT_CONTEXT];
  active = (): Context => this.stack[this.stack.length - 1] as Context;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.stack.pop();
    }
  }
  bind = <T>(_ctx: Context, target: T): T => target;
  enable = (): this => this;
  disable = (): this => this;
}
