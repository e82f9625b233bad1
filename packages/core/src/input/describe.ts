/**
 * Words for a value in a warning or an error message, without running any of the caller's code:
 * no `String(x)` (a Symbol, a Proxy or an object whose `toString` throws would make the message itself
 * throw), no property reads, no `Array.isArray` (it throws on a revoked Proxy). `typeof` never throws.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 64 ? `a string of ${value.length} characters` : `the string '${value}'`;
    case 'number':
      return `${value}`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return 'a BigInt';
    case 'symbol':
      return 'a Symbol';
    case 'function':
      return 'a function';
    default:
      return value === null ? 'null' : 'an object';
  }
}

/** A one-line summary of something caught, for diag: the error's class and message when both read cleanly. */
export function describeCaught(caught: unknown): string {
  try {
    if (caught instanceof Error) {
      const name = caught.name;
      const message = caught.message;
      if (typeof name === 'string' && typeof message === 'string') {
        return `${name.slice(0, 64)}: ${message.slice(0, 200)}`;
      }
    }
  } catch {
    // a Proxy or a throwing getter: fall through to the type
  }
  return describeValue(caught);
}

/** As describeValue, but a (short) string is shown quoted and bare: `'jaeger'`, as option messages quote values. */
export function quoteValue(value: unknown): string {
  return typeof value === 'string' && value.length <= 64 ? `'${value}'` : describeValue(value);
}
