import { readProperty } from '../input/read.js';
import type { SeriesGroup } from './series-group.js';
import { MODALITIES, type UsageProblem, usageProblem } from './usage.js';

/** A part the breakdown does not give (or gives malformed). */
const NOT_GIVEN = -1;

/** A modality breakdown as an Operation keeps it: a count or NOT_GIVEN per MODALITIES entry. */
export type Breakdown = readonly number[];

/**
 * Reads a `TokensByModality` once, each part guarded (a Proxy or a throwing getter is a malformed
 * part, never a throw). `undefined` when it is not an object; malformed parts are reported and left
 * out. A non-object that is not `undefined`/`null` is reported by the caller (`not_an_object`).
 */
export function readBreakdown(
  value: object,
  report: (problem: UsageProblem, value: unknown) => void,
): Breakdown {
  return MODALITIES.map((modality) => {
    const part = readProperty(value, modality);
    if (part === undefined || part === null) return NOT_GIVEN;
    const problem = usageProblem(part);
    if (problem === undefined) return Number(part); // a BigInt count as a number
    report(problem, part);
    return NOT_GIVEN;
  });
}

/**
 * Records a latest usage counter's total split by modality, so its points sum to the total: each
 * known part in its modality's slot (`slots`, MODALITIES order), the rest in `unknownSlot`. Returns
 * false, recording nothing, when the parts add up to more than the total: they contradict it.
 */
export function recordSplit(
  group: SeriesGroup,
  unknownSlot: number,
  slots: readonly number[],
  total: number,
  parts: Breakdown,
): boolean {
  let known = 0;
  for (let i = 0; i < parts.length; i++) if (parts[i]! > 0) known += parts[i]!;
  if (known > total) return false;
  for (let i = 0; i < parts.length; i++) if (parts[i]! > 0) group.record(slots[i]!, parts[i]!);
  // A total of 0 still gets its point (as without a breakdown); a fully broken-down total has no rest.
  if (known < total || known === 0) group.record(unknownSlot, total - known);
  return true;
}
