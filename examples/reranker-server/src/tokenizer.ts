/**
 * A byte-level cross-encoder tokenizer: `[CLS] query [SEP] document [SEP]`, one token per UTF-8 byte.
 * Real rerankers use WordPiece or SentencePiece; the shape of the work (one sequence per query/document
 * pair, variable length, cut at a maximum) is the same, which is what the metrics are about.
 */

export const PAD = 0;
export const CLS = 1;
export const SEP = 2;
/** Token id of byte b is b + BYTE_OFFSET. */
const BYTE_OFFSET = 4;
/** 256 bytes plus PAD, CLS, SEP and one reserved id: the vocabulary of the toy model. */
export const VOCAB = 256 + BYTE_OFFSET;

/** Token ids of one (query, document) pair, at most `maxLength` long (the document is cut first). */
export function tokenizePair(query: string, document: string, maxLength: number): number[] {
  const q = Buffer.from(query, 'utf8');
  const d = Buffer.from(document, 'utf8');
  const room = Math.max(0, maxLength - 3);
  const qLen = Math.min(q.length, room);
  const dLen = Math.min(d.length, room - qLen);
  const ids = new Array<number>(qLen + dLen + 3);
  let i = 0;
  ids[i++] = CLS;
  for (let j = 0; j < qLen; j++) ids[i++] = q[j]! + BYTE_OFFSET;
  ids[i++] = SEP;
  for (let j = 0; j < dLen; j++) ids[i++] = d[j]! + BYTE_OFFSET;
  ids[i++] = SEP;
  return ids;
}

/** Right-pads sequences to the longest: int64 `input_ids` and the `attention_mask` (1 kept, 0 pad). */
export function padBatch(sequences: readonly number[][]): {
  ids: BigInt64Array;
  mask: BigInt64Array;
  dims: [number, number];
} {
  let longest = 1;
  for (const s of sequences) if (s.length > longest) longest = s.length;
  const ids = new BigInt64Array(sequences.length * longest); // zero-filled: PAD
  const mask = new BigInt64Array(sequences.length * longest);
  sequences.forEach((seq, row) => {
    for (let i = 0; i < seq.length; i++) {
      ids[row * longest + i] = BigInt(seq[i]!);
      mask[row * longest + i] = 1n;
    }
  });
  return { ids, mask, dims: [sequences.length, longest] };
}
