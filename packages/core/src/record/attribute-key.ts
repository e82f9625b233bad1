import type { AttributeValue } from '@opentelemetry/api';

// One separator after every value. A NUL inside a value is escaped as NUL + ETX, so the separator
// (NUL + SOH) can never appear inside one: two different attribute sets never share a key.
const END = '\u0000\u0001';

/** The key part for one attribute value (string, finite number or boolean — sanitised before). */
export function keyPart(value: AttributeValue): string {
  switch (typeof value) {
    case 'string':
      return `s${value.includes('\u0000') ? value.replaceAll('\u0000', '\u0000\u0003') : value}${END}`;
    case 'number':
      return `n${value}${END}`;
    case 'boolean':
      return value ? `t${END}` : `f${END}`;
    default:
      return `-${END}`;
  }
}

/** The key part for an absent attribute. */
export const ABSENT = `-${END}`;
