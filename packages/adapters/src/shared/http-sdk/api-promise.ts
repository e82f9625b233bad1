import { abandoned } from './abandoned.js';
import type { HttpCall } from './call.js';

/**
 * Observes an SDK `APIPromise` without consuming it. Attaching `.then` would parse the body (and
 * break `asResponse()`), so instead we hook the two members every Stainless-generated SDK has
 * (openai v4–v7, @anthropic-ai/sdk 0.x–1.x):
 * - `responsePromise` (the fetch, after retries) rejects with the final error: the call failed;
 * - `parseResponse` is what `then`/`withResponse`/`_thenUnwrap` call to parse: we wrap it on this
 *   instance, so the caller keeps the very same APIPromise object and the data is unchanged.
 * `asResponse()` without parsing ends the operation when the headers arrive (the body is the
 * caller's to read); usage is then unknown.
 */
interface APIPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (...args: unknown[]) => unknown;
  asResponse: () => Promise<unknown>;
}

export function isObservableAPIPromise(p: unknown): p is APIPromiseLike {
  if (typeof p !== 'object' || p === null) return false;
  const q = p as Partial<APIPromiseLike>;
  return (
    typeof q.parseResponse === 'function' &&
    typeof q.asResponse === 'function' &&
    typeof (q.responsePromise as Promise<unknown> | undefined)?.then === 'function'
  );
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';

/** `onData` gets the parsed result (a Stream for streaming calls) and must end the call or hand it on. */
export function observeAPIPromise(p: APIPromiseLike, call: HttpCall, onData: (data: unknown) => void): void {
  const token = abandoned.watch(p, call);
  // Handling the rejection here also means an un-awaited failed call no longer surfaces as an
  // unhandled rejection; the caller who awaits still gets the same error.
  p.responsePromise.then(undefined, (error: unknown) => {
    abandoned.forget(token);
    call.fail(error);
  });
  const state: ParseState = { parsing: false, delivered: false, token, call, onData };
  hookParse(p, state);
}

interface ParseState {
  parsing: boolean;
  /** The first parse to finish reports; a derived promise re-parsing the same body adds nothing. */
  delivered: boolean;
  token: object;
  call: HttpCall;
  onData: (data: unknown) => void;
}

function hookParse(p: APIPromiseLike, state: ParseState): void {
  const { call } = state;
  // A subscriber (await, .then/.catch/.finally all go through `then`) has the result in hand, so the
  // promise is no longer abandoned — and from then on the SDK may hold no reference to it (v4's
  // parse() chains `responsePromise.then(this.parseResponse)`): a collection before the headers
  // arrive must not end the call. Stop watching at subscription, not at parse.
  const then = (p as unknown as PromiseLike<unknown>).then;
  if (typeof then === 'function') {
    Object.defineProperty(p, 'then', {
      configurable: true,
      writable: true,
      value: function instrumentedThen(this: unknown, ...args: unknown[]) {
        abandoned.forget(state.token);
        return (then as (...a: unknown[]) => unknown).apply(this, args);
      },
    });
  }
  const deliver = (data: unknown) => {
    if (state.delivered) return;
    state.delivered = true;
    try {
      state.onData(data);
    } catch {
      call.end();
    }
  };
  const parse = p.parseResponse;
  p.parseResponse = function instrumentedParseResponse(this: unknown, ...args: unknown[]) {
    state.parsing = true;
    abandoned.forget(state.token);
    let out: unknown;
    try {
      out = parse.apply(this, args);
    } catch (error) {
      call.fail(error);
      throw error;
    }
    if (isThenable(out)) {
      return out.then(
        (data) => {
          deliver(data);
          return data;
        },
        (error: unknown) => {
          call.fail(error);
          throw error;
        },
      );
    }
    deliver(out);
    return out;
  };

  const asResponse = p.asResponse;
  p.asResponse = function instrumentedAsResponse(this: unknown) {
    abandoned.forget(state.token);
    const response = asResponse.call(this);
    // withResponse() calls parse() before asResponse(), so by the time the headers arrive we know
    // whether the body is being parsed (then the parse ends the operation) or left to the caller.
    response.then(
      () => {
        if (!state.parsing) call.end();
      },
      () => {},
    );
    return response;
  };

  // Recent v7 clients give each APIPromise its own `_thenUnwrap` that parses through a closure, not
  // through `this.parseResponse`: hook the derived promise too (SDK helpers such as parse() use it).
  const thenUnwrap = (p as { _thenUnwrap?: unknown })._thenUnwrap;
  if (typeof thenUnwrap === 'function' && Object.hasOwn(p, '_thenUnwrap')) {
    (p as { _thenUnwrap?: unknown })._thenUnwrap = function instrumentedThenUnwrap(
      this: unknown,
      ...args: unknown[]
    ) {
      const derived: unknown = thenUnwrap.apply(this, args);
      if (isObservableAPIPromise(derived)) {
        // The caller now holds the derived promise; `p` may be collected while it is in flight.
        abandoned.forget(state.token);
        state.token = abandoned.watch(derived, call);
        hookParse(derived, state);
      }
      return derived;
    };
  }
}
