/**
 * Writes a tiny random-weight llama model as a GGUF v3 file that real llama.cpp (node-llama-cpp 3.x)
 * loads on CPU in well under a second and generates from: tests, the bench and the examples need a real
 * model, and no model hub is reachable from CI.
 *
 * Layout (all little-endian, GGUF v3, tensor data aligned to 32 bytes, every tensor F32):
 *   header      "GGUF", version 3, tensor count, metadata count
 *   metadata    general.architecture = "llama", general.name (default "tiny-llama"),
 *               llama.{context_length 2048, embedding_length 64, block_count 2, feed_forward_length 128,
 *               attention.head_count 4, attention.head_count_kv 4, attention.layer_norm_rms_epsilon,
 *               rope.dimension_count 16, rope.freq_base, vocab_size},
 *               tokenizer.ggml.{model "llama" (SentencePiece/SPM), tokens, scores, token_type,
 *               bos/eos/unknown/padding/eot ids, add_bos_token, add_eos_token}, tokenizer.chat_template
 *               (ChatML, so node-llama-cpp resolves its ChatMLChatWrapper for LlamaChatSession)
 *   vocab       0 <unk> · 1 <s> (BOS) · 2 </s> (EOS) · 3 <|im_start|> · 4 <|im_end|> (EOT, ends a chat
 *               turn) — control tokens; then the 256 byte-fallback tokens <0x00>…<0xFF> (so any UTF-8
 *               text tokenizes); then "▁" + printable ASCII; then common English pieces, with SPM scores
 *               that favour longer pieces. ~360 tokens in all (see `TINY_LLAMA_VOCAB_SIZE`).
 *   tensors     token_embd, output_norm, output and per block attn_norm, attn_{q,k,v,output}, ffn_norm,
 *               ffn_{gate,up,down}; weights ~ N(0, 0.02²)-ish from a seeded PRNG, norms = 1, so the same
 *               seed always gives byte-identical files and (with greedy sampling) identical generations.
 *
 * Random weights produce gibberish, which is all a metrics test needs: real tokenization, real prompt
 * evaluation, real token-by-token generation, real KV cache. Use `TINY_LLAMA_TOKENS` with
 * node-llama-cpp's `tokenBias` when a test needs a particular token (e.g. force EOS for an "eog" stop).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { seededRandom } from './random.js';

export interface TinyLlamaGgufOptions {
  /** PRNG seed for the weights (default 1). */
  seed?: number;
  /** `general.name` metadata (default "tiny-llama"). */
  name?: string;
  /** Training context length the model advertises (default 2048; node-llama-cpp sizes contexts from it). */
  contextLength?: number;
  /** Transformer blocks (default 2). */
  blockCount?: number;
  /** Embedding width (default 64; must be a multiple of `headCount`). */
  embeddingLength?: number;
  /** Attention heads (default 4). */
  headCount?: number;
  /** Feed-forward width (default 128). */
  feedForwardLength?: number;
  /** Jinja chat template stored as `tokenizer.chat_template` (default ChatML; `null` leaves it out). */
  chatTemplate?: string | null;
}

/** Ids of the special tokens of the generated vocabulary. */
export const TINY_LLAMA_TOKENS = { unk: 0, bos: 1, eos: 2, imStart: 3, imEnd: 4 } as const;

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// SentencePiece token types as llama.cpp reads them.
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const BYTE = 6;

// Common English pieces ("▁" marks a leading space, as in SentencePiece).
const COMMON_PIECES = [
  '▁t ▁a he in er an on re ▁s ▁w at en ▁o ▁c nd is ou it ▁b ▁f ▁m ▁p es or ed ing ▁th ▁the ▁to ▁and',
  '▁of ▁in ▁is ▁it ▁you ▁that ▁for ▁on ▁with ▁as ▁are ▁be ▁this ▁have ▁not ▁we ▁can ▁do ▁what',
  '▁hello ▁Hello ▁world ▁model ▁token ▁metric ▁time ▁one ▁two ▁three ▁yes ▁no ly al le ar ic ent',
  'ion tion ▁I ▁A ▁The ll ve st ch se me ce ay ow ight ▁an ▁at ▁so ▁me ▁my ▁he ▁she ▁they ▁was',
  '▁will ▁all ▁by ▁or ▁from',
]
  .join(' ')
  .split(' ');

interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
}

function buildVocab(): Vocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const add = (t: string, score: number, type: number) => {
    tokens.push(t);
    scores.push(score);
    types.push(type);
  };
  add('<unk>', 0, UNKNOWN);
  add('<s>', 0, CONTROL);
  add('</s>', 0, CONTROL);
  add('<|im_start|>', 0, CONTROL);
  add('<|im_end|>', 0, CONTROL);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, BYTE);
  const seen = new Set<string>();
  const pieces = ['▁'];
  for (let c = 33; c < 127; c++) pieces.push(String.fromCharCode(c));
  pieces.push(...COMMON_PIECES);
  // SPM merges greedily by score: longer pieces score higher so words become single tokens.
  for (const [i, p] of pieces.entries()) {
    if (seen.has(p)) continue;
    seen.add(p);
    add(p, -1000 + [...p].length * 100 - i * 0.01, NORMAL);
  }
  return { tokens, scores, types };
}

/** Size of the generated vocabulary. */
export const TINY_LLAMA_VOCAB_SIZE = buildVocab().tokens.length;

// GGUF value types.
const T_UINT32 = 4;
const T_INT32 = 5;
const T_FLOAT32 = 6;
const T_BOOL = 7;
const T_STRING = 8;
const T_ARRAY = 9;
const GGML_F32 = 0;
const ALIGNMENT = 32;

/** Append-only little-endian byte writer. */
class Writer {
  private chunks: Buffer[] = [];
  length = 0;

  private push(b: Buffer) {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  bytes(b: Buffer) {
    this.push(b);
  }
  pad(alignment: number) {
    const rem = this.length % alignment;
    if (rem !== 0) this.push(Buffer.alloc(alignment - rem));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

type MetaValue =
  | { t: 'u32'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'str'; v: string }
  | { t: 'strs'; v: string[] }
  | { t: 'f32s'; v: number[] }
  | { t: 'i32s'; v: number[] };

function writeMeta(w: Writer, key: string, m: MetaValue) {
  w.str(key);
  switch (m.t) {
    case 'u32':
      w.u32(T_UINT32);
      w.u32(m.v);
      break;
    case 'f32':
      w.u32(T_FLOAT32);
      w.f32(m.v);
      break;
    case 'bool':
      w.u32(T_BOOL);
      w.bytes(Buffer.from([m.v ? 1 : 0]));
      break;
    case 'str':
      w.u32(T_STRING);
      w.str(m.v);
      break;
    case 'strs':
      w.u32(T_ARRAY);
      w.u32(T_STRING);
      w.u64(m.v.length);
      for (const s of m.v) w.str(s);
      break;
    case 'f32s':
      w.u32(T_ARRAY);
      w.u32(T_FLOAT32);
      w.u64(m.v.length);
      for (const x of m.v) w.f32(x);
      break;
    case 'i32s':
      w.u32(T_ARRAY);
      w.u32(T_INT32);
      w.u64(m.v.length);
      for (const x of m.v) w.i32(x);
      break;
  }
}

interface Tensor {
  name: string;
  /** GGML order: ne0 (the contiguous row length) first. */
  dims: number[];
  init: 'random' | 'ones';
}

/** Builds the GGUF bytes in memory (a few hundred KB). */
export function buildTinyLlamaGguf(options: TinyLlamaGgufOptions = {}): Buffer {
  const seed = options.seed ?? 1;
  const nEmbd = options.embeddingLength ?? 64;
  const nHead = options.headCount ?? 4;
  const nFf = options.feedForwardLength ?? 128;
  const nLayer = options.blockCount ?? 2;
  const nCtx = options.contextLength ?? 2048;
  if (nEmbd % nHead !== 0)
    throw new Error('writeTinyLlamaGguf: embeddingLength must be a multiple of headCount');
  const headDim = nEmbd / nHead;
  const vocab = buildVocab();
  const nVocab = vocab.tokens.length;

  const meta: [string, MetaValue][] = [
    ['general.architecture', { t: 'str', v: 'llama' }],
    ['general.name', { t: 'str', v: options.name ?? 'tiny-llama' }],
    ['general.alignment', { t: 'u32', v: ALIGNMENT }],
    ['general.file_type', { t: 'u32', v: 0 }], // all F32
    ['llama.context_length', { t: 'u32', v: nCtx }],
    ['llama.embedding_length', { t: 'u32', v: nEmbd }],
    ['llama.block_count', { t: 'u32', v: nLayer }],
    ['llama.feed_forward_length', { t: 'u32', v: nFf }],
    ['llama.attention.head_count', { t: 'u32', v: nHead }],
    ['llama.attention.head_count_kv', { t: 'u32', v: nHead }],
    ['llama.attention.layer_norm_rms_epsilon', { t: 'f32', v: 1e-5 }],
    ['llama.rope.dimension_count', { t: 'u32', v: headDim }],
    ['llama.rope.freq_base', { t: 'f32', v: 10000 }],
    ['llama.vocab_size', { t: 'u32', v: nVocab }],
    ['tokenizer.ggml.model', { t: 'str', v: 'llama' }],
    ['tokenizer.ggml.tokens', { t: 'strs', v: vocab.tokens }],
    ['tokenizer.ggml.scores', { t: 'f32s', v: vocab.scores }],
    ['tokenizer.ggml.token_type', { t: 'i32s', v: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { t: 'u32', v: TINY_LLAMA_TOKENS.unk }],
    ['tokenizer.ggml.bos_token_id', { t: 'u32', v: TINY_LLAMA_TOKENS.bos }],
    ['tokenizer.ggml.eos_token_id', { t: 'u32', v: TINY_LLAMA_TOKENS.eos }],
    ['tokenizer.ggml.padding_token_id', { t: 'u32', v: TINY_LLAMA_TOKENS.unk }],
    ['tokenizer.ggml.eot_token_id', { t: 'u32', v: TINY_LLAMA_TOKENS.imEnd }],
    ['tokenizer.ggml.add_bos_token', { t: 'bool', v: true }],
    ['tokenizer.ggml.add_eos_token', { t: 'bool', v: false }],
  ];
  const template = options.chatTemplate === undefined ? CHATML_TEMPLATE : options.chatTemplate;
  if (template !== null) meta.push(['tokenizer.chat_template', { t: 'str', v: template }]);

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], init: 'random' },
    { name: 'output_norm.weight', dims: [nEmbd], init: 'ones' },
    { name: 'output.weight', dims: [nEmbd, nVocab], init: 'random' },
  ];
  for (let i = 0; i < nLayer; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [nEmbd], init: 'ones' },
      { name: `${b}.attn_q.weight`, dims: [nEmbd, nEmbd], init: 'random' },
      { name: `${b}.attn_k.weight`, dims: [nEmbd, nEmbd], init: 'random' },
      { name: `${b}.attn_v.weight`, dims: [nEmbd, nEmbd], init: 'random' },
      { name: `${b}.attn_output.weight`, dims: [nEmbd, nEmbd], init: 'random' },
      { name: `${b}.ffn_norm.weight`, dims: [nEmbd], init: 'ones' },
      { name: `${b}.ffn_gate.weight`, dims: [nEmbd, nFf], init: 'random' },
      { name: `${b}.ffn_up.weight`, dims: [nEmbd, nFf], init: 'random' },
      { name: `${b}.ffn_down.weight`, dims: [nFf, nEmbd], init: 'random' },
    );
  }

  const w = new Writer();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [k, v] of meta) writeMeta(w, k, v);

  let offset = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_F32);
    w.u64(offset);
    const bytes = t.dims.reduce((a, d) => a * d, 1) * 4;
    sizes.push(bytes);
    offset += Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);

  const rand = seededRandom(seed);
  for (const [i, t] of tensors.entries()) {
    const n = sizes[i]! / 4;
    const data = new Float32Array(n);
    if (t.init === 'ones') data.fill(1);
    // Sum of 3 uniforms ≈ normal; scale so activations stay small and logits stay varied.
    else for (let j = 0; j < n; j++) data[j] = (rand() + rand() + rand() - 1.5) * 0.04;
    w.bytes(Buffer.from(data.buffer));
    w.pad(ALIGNMENT);
  }
  return w.toBuffer();
}

/** Writes the tiny model to `path` (parent directories created) and returns `path`. */
export async function writeTinyLlamaGguf(path: string, options: TinyLlamaGgufOptions = {}): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buildTinyLlamaGguf(options));
  return path;
}
