import { describeCaught } from '../input/describe.js';
import { debug } from '../input/report.js';

type WaitUntil = (promise: Promise<unknown>) => void;

/** A Workers-style execution context among a handler's arguments (an object with `waitUntil`). */
export interface ExecutionContext {
  target: object;
  waitUntil: WaitUntil;
}

/**
 * The first argument that looks like a Workers-style execution context (an object with a
 * `waitUntil` method). Arguments are the caller's objects: a Proxy or a throwing getter is skipped,
 * never allowed to throw out of the wrapper.
 */
export function executionContextIn(args: readonly unknown[]): ExecutionContext | undefined {
  for (const arg of args) {
    if (arg === null || typeof arg !== 'object') continue;
    try {
      const waitUntil = (arg as { waitUntil?: unknown }).waitUntil;
      if (typeof waitUntil === 'function') return { target: arg, waitUntil: waitUntil as WaitUntil };
    } catch {
      // not a context we can use
    }
  }
  return undefined;
}

/**
 * Where a platform keeps the current request's context when the handler is not given one: Vercel's
 * runtime (Node and Edge functions; `@vercel/functions`' `waitUntil` reads it) and Next.js (`after()`
 * reads its own first). Each is `{ get(): { waitUntil?, … } | undefined }`, `get()` answering for the
 * request whose async context is running.
 */
const REQUEST_CONTEXT_SYMBOLS = [Symbol.for('@next/request-context'), Symbol.for('@vercel/request-context')];

/**
 * The current request's context from the platform (Vercel, Next.js), when it has a `waitUntil`.
 * Without it, a Vercel function awaited its flush before the response could go out: every answer
 * waited for the export. Read at the start of the invocation, inside the request's async context;
 * read defensively (a throwing `get` or getter means "none").
 */
export function platformExecutionContext(): ExecutionContext | undefined {
  for (const symbol of REQUEST_CONTEXT_SYMBOLS) {
    try {
      const reader = (globalThis as Record<symbol, { get?: unknown } | null | undefined>)[symbol];
      const get = reader?.get;
      if (typeof get !== 'function') continue;
      const found = executionContextIn([Reflect.apply(get, reader, [])]);
      if (found) return found;
    } catch {
      // not a context we can use
    }
  }
  return undefined;
}

/** Whether `waitUntil` took `promise` (it throws when called too late, or on a look-alike object). */
export function handOver(context: ExecutionContext, promise: Promise<void>): boolean {
  try {
    Reflect.apply(context.waitUntil, context.target, [promise]);
    return true;
  } catch (error) {
    debug(
      `genai-metrics: waitUntil refused the metrics flush (${describeCaught(error)}); awaiting it instead`,
    );
    return false;
  }
}

/**
 * Work the handler hands to `ctx.waitUntil` itself (a model call made after the response, a summary
 * written in the background) records its operations after the invocation's flush: without another
 * flush they would wait for the next request of the instance, or be lost with it. So, for the
 * invocation, the context's `waitUntil` is shadowed by an own property that passes every promise on
 * to the runtime's unchanged and keeps it; `settled()` resolves once every promise kept (those added
 * meanwhile included) has settled, and takes the shadow away. A context that refuses the property
 * (frozen, a Proxy) is left alone.
 */
export class HandlerTasks {
  private readonly tasks: Promise<unknown>[] = [];
  private readonly shadow: WaitUntil | undefined;
  /** The context's own `waitUntil` property before the shadow (a plain object's), to put back. */
  private readonly ownBefore: PropertyDescriptor | undefined;

  constructor(private readonly context: ExecutionContext) {
    const tasks = this.tasks;
    const shadow: WaitUntil = function waitUntil(this: unknown, promise) {
      // The runtime's method with the runtime's receiver; what it throws reaches the handler as before.
      Reflect.apply(context.waitUntil, context.target, [promise]);
      tasks.push(Promise.resolve(promise).catch(() => undefined));
    };
    let ownBefore: PropertyDescriptor | undefined;
    try {
      ownBefore = Object.getOwnPropertyDescriptor(context.target, 'waitUntil');
      Object.defineProperty(context.target, 'waitUntil', {
        value: shadow,
        configurable: true,
        writable: true,
        enumerable: false,
      });
      this.shadow = shadow;
    } catch {
      this.shadow = undefined;
    }
    this.ownBefore = ownBefore;
  }

  /** Whether the handler has handed work to `waitUntil` so far. */
  get any(): boolean {
    return this.tasks.length > 0;
  }

  /** Resolves once every task has settled (tasks added meanwhile too), then removes the shadow. */
  async settled(): Promise<void> {
    for (let seen = 0; seen < this.tasks.length; ) {
      const batch = this.tasks.slice(seen);
      seen = this.tasks.length;
      await Promise.all(batch);
    }
    this.restore();
  }

  /** Takes the shadow away (only if it is still ours: the handler may have set its own). */
  restore(): void {
    if (this.shadow === undefined) return;
    const target = this.context.target;
    try {
      if (Object.getOwnPropertyDescriptor(target, 'waitUntil')?.value !== this.shadow) return;
      if (this.ownBefore) Object.defineProperty(target, 'waitUntil', this.ownBefore);
      else delete (target as { waitUntil?: unknown }).waitUntil;
    } catch {
      // a context that changed under us keeps what it has
    }
  }
}
