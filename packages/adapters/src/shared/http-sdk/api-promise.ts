import { reportOnce } from '../diag.js';
import { abandoned } from './abandoned.js';
import { HttpCall } from './call.js';
import { isStreamLike } from './stream.js';

/**
 * Observes an SDK `APIPromise` without consuming it. Attaching `.then` would parse the body (and
 * break `asResponse()`), so instead we hook members every Stainless-generated SDK has (openai v4–v7,
 * @anthropic-ai/sdk 0.x–1.x), on this instance only, so the caller keeps the very same APIPromise
 * object and the data is unchanged:
 * - `responsePromise` (the fetch, after retries) settles once: a rejection is the call's failure;
 * - `parse()` is what `then`/`catch`/`finally`/`withResponse` call first: the caller subscribed.
 *   It is not hooked: it stores its promise as `parsedPromise` (openai 4–7, @anthropic-ai/sdk
 *   0.x–1.x), which we read when the headers arrive (see `ObservedCall.headers`);
 * - `parseResponse` is what `parse()` and `_thenUnwrap` parse with: its result is the answer.
 * `asResponse()` without parsing ends the operation when the headers arrive (the body is the
 * caller's to read); usage is then unknown.
 *
 * Nothing here defines `then` on the promise: an own `then` on any native promise switches off V8's
 * fast path for promise resolution in the whole process (every `await` of a thenable and every async
 * generator step pays for it afterwards).
 */
interface APIPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (...args: unknown[]) => unknown;
  asResponse: () => Promise<unknown>;
  parse: () => unknown;
}

export function isObservableAPIPromise(p: unknown): p is APIPromiseLike {
  if (typeof p !== 'object' || p === null) return false;
  const q = p as Partial<APIPromiseLike>;
  return (
    typeof q.parseResponse === 'function' &&
    typeof q.asResponse === 'function' &&
    typeof q.parse === 'function' &&
    typeof (q.responsePromise as Promise<unknown> | undefined)?.then === 'function'
  );
}

/**
 * Puts one of our hooks on the promise: a plain assignment, made here, through a computed key. Not
 * one `p.parse = function …` per hook: with such named stores of a per-call closure (as tsc emits
 * them), V8 (Node 20 and 22) kept every call's hook alive through young-generation collections, and
 * with it everything the hook reaches — the call, the promise, the SDK's response — so each call's
 * object graph was promoted to the old generation. With the real openai SDK on an in-memory fetch,
 * `node --trace-gc-nvp` showed ~1 MB promoted per scavenge instead of ~0.26 MB (as with no hooks) and
 * scavenges 2–3× as long. The keyed store here, like `Object.defineProperty`, leaves them young
 * (checked the same way on both Node versions; V8's reason was not pinned down), and costs a quarter
 * of what `defineProperty` does (~0.2 µs against ~0.85 µs for the three hooks of a call).
 */
function setHook(p: object, name: string, hook: unknown): void {
  (p as Record<string, unknown>)[name] = hook;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';

/**
 * A call observed through its APIPromise, with what that promise (and the promises derived from it)
 * share. A result nobody reads must still end its call (see abandoned.ts), but watching every promise
 * with the FinalizationRegistry costs more than the rest of the observation: so a promise is watched
 * only if its headers arrive before anyone subscribed to it — an awaited call, the common case, never
 * is. Until the headers arrive the responsePromise reaction below holds the promise, so nothing can be
 * collected unwatched. The state lives on the call itself: one object per call (see call.ts).
 */
export class ObservedCall extends HttpCall {
  /** Someone holds the result in hand: `parse()`, `asResponse()` or the SDK's own parse ran. */
  subscribed = false;
  /** The body is being parsed: the parse ends the call (not the headers of `asResponse()`). */
  parsing = false;
  /** The first parse to finish reports; a derived promise re-parsing the same body adds nothing. */
  delivered = false;
  /** The FinalizationRegistry token while the caller's promise is watched. */
  token: object | undefined = undefined;
  /**
   * Until the headers arrive, the promise the caller holds: the created one, or the one derived from
   * it by `_thenUnwrap`. Cleared then: this call is the FinalizationRegistry's held value, which must
   * not reference the object it watches (or that object could never be collected).
   */
  held: APIPromiseLike | undefined = undefined;

  subscribe(): void {
    this.subscribed = true;
    if (this.token !== undefined) {
      abandoned.forget(this.token);
      this.token = undefined;
    }
  }

  deliver(data: unknown): void {
    if (this.delivered) return;
    this.delivered = true;
    this.answer(data);
  }

  /** The headers arrived: an unsubscribed result is watched from now on. */
  headers(): void {
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && !this.subscribed && !this.isEnded && !parseStarted(held)) {
      // The answer is there for the caller to take: if it never does, the call ends here, not at the
      // garbage collection (the clock is read only on this rare path, never for an awaited call).
      this.seen();
      this.token = abandoned.watch(held, this);
    }
  }

  /** The request failed (after the SDK's retries). */
  refused(error: unknown): void {
    this.subscribe();
    this.fail(error);
  }
}

/** Observes `p` for `call`: the parsed answer goes to `call.answer()` (a Stream for streamed calls). */
export function observeAPIPromise(p: APIPromiseLike, call: ObservedCall): void {
  call.held = p;
  // One reaction per call. Handling the rejection here also means an un-awaited failed call no longer
  // surfaces as an unhandled rejection; the caller who awaits still gets the same error.
  p.responsePromise.then(
    () => call.headers(),
    (error: unknown) => call.refused(error),
  );
  hookParse(p, call);
  // Someone subscribed before we saw the promise: a wrapper outside ours (the upstream
  // instrumentation-openai calls `.then` on it) already ran `parse()`, and openai v4's parse read
  // `this.parseResponse` right then, so our hook would never run and the call never end. Observe the
  // SDK's own parsed promise from the side instead (deliver() reports once, if both run).
  const parsed = parsedPromiseOf(p);
  if (parsed !== undefined) {
    call.parsing = true;
    call.subscribe();
    parsed.then(
      (data) => call.deliver(data),
      (error: unknown) => call.fail(error),
    );
  }
}

function parsedPromiseOf(p: APIPromiseLike): PromiseLike<unknown> | undefined {
  try {
    const parsed = (p as { parsedPromise?: unknown }).parsedPromise;
    return isThenable(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Has the caller subscribed through `parse()` (then/catch/finally/withResponse call it first)? From
 * then on the SDK may hold no reference to the promise (v4's parse() chains `responsePromise.then(
 * this.parseResponse)`), so a collection before the parse runs must not end the call. Read once, when
 * the headers arrive, rather than hooking `parse()` on every call: one closure and one own property
 * less per call, and the promise keeps the SDK's own `parse`. An SDK that stored it elsewhere would
 * only be watched until its parse starts (then `parseResponse` forgets it): slower, still correct —
 * the registry's cleanup runs as a task, after the parse reaction queued behind ours.
 */
function parseStarted(p: APIPromiseLike): boolean {
  try {
    return (p as { parsedPromise?: unknown }).parsedPromise !== undefined;
  } catch {
    return false;
  }
}

function hookParse(p: APIPromiseLike, call: ObservedCall): void {
  const parseResponse = p.parseResponse;
  setHook(p, 'parseResponse', function instrumentedParseResponse(this: unknown, ...args: unknown[]) {
    call.parsing = true;
    call.subscribe();
    let out: unknown;
    try {
      out = parseResponse.apply(this, args);
    } catch (error) {
      call.fail(error);
      throw error;
    }
    if (isThenable(out)) {
      // Observed from the side: the SDK gets its own promise back, so the caller's chain is as long
      // as without us; this reaction was attached first, so the call ends before the caller resumes.
      // Neither handler throws, so the side promise never rejects unhandled.
      out.then(
        (data) => call.deliver(data),
        (error: unknown) => call.fail(error),
      );
    } else {
      call.deliver(out);
    }
    return out;
  });

  const asResponse = p.asResponse;
  setHook(p, 'asResponse', function instrumentedAsResponse(this: unknown) {
    call.subscribe();
    const response = asResponse.call(this);
    // withResponse() calls parse() before asResponse(), so by the time the headers arrive we know
    // whether the body is being parsed (then the parse ends the operation) or left to the caller.
    response.then(
      () => {
        if (!call.parsing) call.end();
      },
      () => {},
    );
    return response;
  });

  // Anthropic 1.x's message threads take a streamed call's raw response (`_responseProps()`) and parse
  // it outside this promise: read it aside (below). Only streamed calls: a thread's `send()` awaits the
  // promise after taking the props, which parses through our hook.
  const responseProps = (p as { _responseProps?: unknown })._responseProps;
  if (call.stream && typeof responseProps === 'function') {
    setHook(p, '_responseProps', function instrumentedResponseProps(this: unknown, ...args: unknown[]) {
      const props: unknown = responseProps.apply(this, args);
      call.subscribe();
      if (isThenable(props)) props.then((resolved) => readAside(p, call, resolved), noop);
      return props;
    });
  }

  // SDK helpers (chat.completions.parse(), responses.parse(), embeddings' base64 decoding) hand the
  // caller a promise derived from this one by `_thenUnwrap`: hook it too, or its `asResponse()` (which
  // never parses) would leave the call in flight until the garbage collector reclaimed this promise,
  // recorded as cancelled. Recent v7 clients give each APIPromise its own `_thenUnwrap` that parses
  // through a closure, not through `this.parseResponse` (as openai 4–6 and Anthropic's prototype one
  // do): the transform is wrapped so the answer is the SDK's parse before the helper's transform
  // either way (delivered once); a transform that throws on the content (`chat.completions.parse()`
  // of invalid JSON, a length-limited structured output) fails the caller's promise, not the call,
  // whose answer and usage arrived.
  const thenUnwrap = (p as { _thenUnwrap?: unknown })._thenUnwrap;
  if (typeof thenUnwrap === 'function') {
    setHook(p, '_thenUnwrap', function instrumentedThenUnwrap(this: unknown, ...args: unknown[]) {
      const transform = args[0];
      if (typeof transform === 'function') {
        args[0] = function deliverThenTransform(this: unknown, data: unknown, ...rest: unknown[]) {
          call.deliver(data);
          return transform.call(this, data, ...rest);
        };
      }
      const derived: unknown = thenUnwrap.apply(this, args);
      if (isObservableAPIPromise(derived)) {
        // The caller now holds the derived promise; `p` may be collected while it is in flight.
        if (call.held !== undefined)
          call.held = derived; // watched when the headers arrive
        else if (call.token !== undefined) {
          abandoned.forget(call.token);
          call.token = abandoned.watch(derived, call);
        }
        hookParse(derived, call);
      }
      return derived;
    });
  }
}

const noop = () => {};

/**
 * A streamed call whose raw response an SDK helper took to parse into a Stream of its own:
 * @anthropic-ai/sdk 1.x's `BetaMessageThread.stream()`, which the streaming tool runner
 * (`beta.messages.toolRunner({ stream: true })`) drives, takes `_responseProps()` and builds a new
 * APIPromise on them, so neither our parse hook nor the Stream it returns ever sees the answer, and
 * every such turn stayed in flight until the garbage collector reclaimed this promise, then was
 * recorded as cancelled with no usage. The answer is read aside instead: the response is cloned
 * (the fetch standard tees its body, so the helper's Response, status and headers stay its own), the
 * clone is parsed by the SDK's own default parse (a fresh APIPromise's `parseResponse`, without the
 * tracing a `parse()` would run on the app's spans) into a Stream we observe and read to its end.
 * An abort of the helper's stream aborts the request both branches read, so ours ends as it does.
 * Costs a second SSE parse, on this path only.
 */
function readAside(p: APIPromiseLike, call: ObservedCall, props: unknown): void {
  if (call.isEnded || call.parsing || call.delivered) return;
  try {
    const response = (props as { response: { clone(): unknown } }).response;
    const clone = { ...(props as object), response: response.clone() };
    const client = call.settings.client;
    const Sdk = p.constructor as new (client: unknown, props: Promise<unknown>) => APIPromiseLike;
    const parsed = new Sdk(client, Promise.resolve(clone)).parseResponse(client, clone);
    Promise.resolve(parsed).then(
      (stream) => {
        call.deliver(stream);
        if (isStreamLike(stream)) void drain(stream);
      },
      (error: unknown) => call.fail(error),
    );
  } catch (error) {
    reportOnce(`${call.settings.adapter}: reading a helper's stream aside`, error);
    call.end();
  }
}

/** Reads our side of the stream to its end; its errors are the call's (recorded by the observer), not ours to throw. */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _ of stream);
  } catch {
    // Recorded by the stream's observer.
  }
}
