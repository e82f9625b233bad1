/**
 * The `k` smallest of `keys` in string order, into `out`, yielding every `step` keys: the cluster
 * scrape keeps the first `cardinalityLimit - 1` attribute sets in key order (merge.ts `bound()`), out of
 * up to processes × limit of them. Sorting them all took ~20 ms in one turn for 16,000 keys here (8
 * processes at the default limit, load 8); a max-heap of `k` keys is cheaper and stops at any key.
 */
export function* smallestKeys(
  keys: Iterable<string>,
  k: number,
  out: Set<string>,
  step: number,
): Generator<void> {
  const heap: string[] = [];
  let done = 0;
  for (const key of keys) {
    if (heap.length < k) push(heap, key);
    else if (k > 0 && key < heap[0]!) replaceTop(heap, key);
    if (++done % step === 0) yield;
  }
  for (const key of heap) out.add(key);
}

function push(heap: string[], key: string): void {
  heap.push(key);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! >= heap[i]!) break;
    [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
    i = parent;
  }
}

function replaceTop(heap: string[], key: string): void {
  heap[0] = key;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let largest = i;
    if (left < heap.length && heap[left]! > heap[largest]!) largest = left;
    if (right < heap.length && heap[right]! > heap[largest]!) largest = right;
    if (largest === i) return;
    [heap[largest], heap[i]] = [heap[i]!, heap[largest]!];
    i = largest;
  }
}
