import protobuf from 'protobufjs';
import { seededRandom } from './random.js';

/**
 * ONNX models encoded in the test run, so no model file is downloaded or checked in. The schema is a
 * subset of the official onnx.proto3 (only the messages and fields these models use, with the
 * official field numbers); protobufjs does the wire encoding.
 */
const ONNX_SUBSET = `
syntax = "proto3";
package onnx;
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message StringStringEntryProto { string key = 1; string value = 2; }
message AttributeProto {
  string name = 1;
  float f = 2;
  int64 i = 3;
  repeated int64 ints = 8;
  int32 type = 20;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int64 int64_data = 7;
  string name = 8;
}
message TensorShapeProto {
  message Dimension {
    oneof value { int64 dim_value = 1; string dim_param = 2; }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

/** TensorProto.DataType values from onnx.proto. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;

const ModelProto = protobuf.parse(ONNX_SUBSET).root.lookupType('onnx.ModelProto');

type Dim = number | string;

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** A number is a fixed size; a string is a symbolic (dynamic) dimension such as 'batch'. */
  shape: Dim[];
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  floats?: ArrayLike<number>;
  int64s?: ArrayLike<number>;
}

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: { name: string; i?: number; ints?: number[] }[];
}

export interface OnnxGraphSpec {
  name: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: OnnxInitializer[];
  nodes: OnnxNode[];
  /** Default 13. */
  opset?: number;
  metadata?: Record<string, string>;
}

// AttributeProto.AttributeType values from onnx.proto.
const ATTRIBUTE_TYPE_INT = 2;
const ATTRIBUTE_TYPE_INTS = 7;

function valueInfo(v: OnnxValueInfo) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Encodes a one-graph ONNX model (IR version 8) to the bytes `InferenceSession.create` accepts. */
export function encodeOnnxModel(spec: OnnxGraphSpec): Uint8Array {
  const message = {
    irVersion: 8,
    producerName: 'genai-metrics-testkit',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name,
      node: spec.nodes.map((n, i) => ({
        name: `${n.opType}_${i}`,
        opType: n.opType,
        input: n.inputs,
        output: n.outputs,
        attribute: (n.attributes ?? []).map((a) =>
          a.ints
            ? { name: a.name, ints: a.ints, type: ATTRIBUTE_TYPE_INTS }
            : { name: a.name, i: a.i, type: ATTRIBUTE_TYPE_INT },
        ),
      })),
      initializer: spec.initializers.map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: t.int64s ? OnnxDataType.INT64 : OnnxDataType.FLOAT,
        floatData: t.floats ? Array.from(t.floats) : [],
        int64Data: t.int64s ? Array.from(t.int64s) : [],
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
  const problem = ModelProto.verify(message);
  if (problem) throw new Error(`testkit: invalid ONNX model spec: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(message)).finish();
}

/** Deterministic pseudo-random floats in [-1, 1), so models are the same every run. */
export function seededFloats(count: number, seed = 1): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = random() * 2 - 1;
  return out;
}

/**
 * Y = X·W + B with X [batch, inFeatures] (batch is dynamic), W [inFeatures, outFeatures] and
 * B [outFeatures] seeded weights. Input 'X' (float32), output 'Y'.
 */
export function matMulAddModel(inFeatures = 4, outFeatures = 3, seed = 7): Uint8Array {
  return encodeOnnxModel({
    name: 'matmul_add',
    inputs: [{ name: 'X', elemType: OnnxDataType.FLOAT, shape: ['batch', inFeatures] }],
    outputs: [{ name: 'Y', elemType: OnnxDataType.FLOAT, shape: ['batch', outFeatures] }],
    initializers: [
      { name: 'W', dims: [inFeatures, outFeatures], floats: seededFloats(inFeatures * outFeatures, seed) },
      { name: 'B', dims: [outFeatures], floats: seededFloats(outFeatures, seed + 1) },
    ],
    nodes: [
      { opType: 'MatMul', inputs: ['X', 'W'], outputs: ['XW'] },
      { opType: 'Add', inputs: ['XW', 'B'], outputs: ['Y'] },
    ],
  });
}

/**
 * A toy next-token LM: input_ids [batch, seq] (int64) → Gather(embedding) → MatMul(unembedding) →
 * logits [batch, seq, vocab]. The embedding is the identity and the unembedding a shift by one, so
 * greedy decoding from token t yields t+1, t+2, … (mod vocab): tests can check the decoded tokens.
 */
export function toyLanguageModel(vocab = 16): Uint8Array {
  const embedding = new Float32Array(vocab * vocab);
  const unembedding = new Float32Array(vocab * vocab);
  for (let t = 0; t < vocab; t++) {
    embedding[t * vocab + t] = 1;
    unembedding[t * vocab + ((t + 1) % vocab)] = 1;
  }
  return encodeOnnxModel({
    name: 'toy_lm',
    inputs: [{ name: 'input_ids', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] }],
    outputs: [{ name: 'logits', elemType: OnnxDataType.FLOAT, shape: ['batch', 'sequence', vocab] }],
    initializers: [
      { name: 'embedding', dims: [vocab, vocab], floats: embedding },
      { name: 'unembedding', dims: [vocab, vocab], floats: unembedding },
    ],
    nodes: [
      {
        opType: 'Gather',
        inputs: ['embedding', 'input_ids'],
        outputs: ['hidden'],
        attributes: [{ name: 'axis', i: 0 }],
      },
      { opType: 'MatMul', inputs: ['hidden', 'unembedding'], outputs: ['logits'] },
    ],
  });
}

/**
 * A toy sentence-embedding model: input_ids [batch, sequence] (int64) → Gather(seeded embedding
 * [vocab, dim]) → ReduceMean over the sequence → embeddings [batch, dim].
 */
export function toyEmbeddingModel(vocab = 256, dim = 32, seed = 11): Uint8Array {
  return encodeOnnxModel({
    name: 'toy_embedding',
    inputs: [{ name: 'input_ids', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] }],
    outputs: [{ name: 'embeddings', elemType: OnnxDataType.FLOAT, shape: ['batch', dim] }],
    initializers: [{ name: 'embedding', dims: [vocab, dim], floats: seededFloats(vocab * dim, seed) }],
    nodes: [
      {
        opType: 'Gather',
        inputs: ['embedding', 'input_ids'],
        outputs: ['hidden'],
        attributes: [{ name: 'axis', i: 0 }],
      },
      {
        opType: 'ReduceMean',
        inputs: ['hidden'],
        outputs: ['embeddings'],
        attributes: [
          { name: 'axes', ints: [1] },
          { name: 'keepdims', i: 0 },
        ],
      },
    ],
  });
}

export interface ToyRerankerOptions {
  /** Token ids 0 … vocab-1; default 260 (a byte-level tokenizer's 256 bytes plus PAD, CLS, SEP, UNK). */
  vocab?: number;
  /** Hidden size; default 32. */
  dim?: number;
  /** MatMul+Relu layers over every position before pooling: the knob for how long a run takes. Default 0. */
  layers?: number;
  seed?: number;
  /** Name of the mask input; default `attention_mask`. */
  maskName?: string;
}

/** TensorProto.DataType FLOAT, as Cast's `to` attribute takes it. */
const CAST_TO_FLOAT = OnnxDataType.FLOAT;

/**
 * A toy cross-encoder reranker, shaped like the BERT-style ones served in production:
 * input_ids and attention_mask [batch, sequence] (int64) → Gather(embedding) → `layers` × (MatMul,
 * Relu) → mean over the positions the mask keeps → MatMul, Add, Sigmoid → scores [batch, 1].
 * Padded positions (mask 0) do not change a row's score, so a pair scores the same alone or padded
 * in any batch: tests can check batching against single runs. Weights are seeded and scaled by
 * 1/√dim so activations stay O(1) whatever the depth.
 */
export function toyRerankerModel(options: ToyRerankerOptions = {}): Uint8Array {
  const { vocab = 260, dim = 32, layers = 0, seed = 13, maskName = 'attention_mask' } = options;
  const scale = (xs: Float32Array) => xs.map((x) => x / Math.sqrt(dim));
  const initializers: OnnxInitializer[] = [
    { name: 'embedding', dims: [vocab, dim], floats: seededFloats(vocab * dim, seed) },
    { name: 'axis_1', dims: [1], int64s: [1] },
    { name: 'axis_2', dims: [1], int64s: [2] },
    { name: 'w_out', dims: [dim, 1], floats: seededFloats(dim, seed + 1) },
    { name: 'b_out', dims: [1], floats: [0.1] },
  ];
  const nodes: OnnxNode[] = [
    {
      opType: 'Gather',
      inputs: ['embedding', 'input_ids'],
      outputs: ['hidden_0'],
      attributes: [{ name: 'axis', i: 0 }],
    },
  ];
  for (let l = 0; l < layers; l++) {
    initializers.push({
      name: `w_${l}`,
      dims: [dim, dim],
      floats: scale(seededFloats(dim * dim, seed + 2 + l)),
    });
    nodes.push(
      { opType: 'MatMul', inputs: [`hidden_${l}`, `w_${l}`], outputs: [`pre_${l}`] },
      { opType: 'Relu', inputs: [`pre_${l}`], outputs: [`hidden_${l + 1}`] },
    );
  }
  nodes.push(
    {
      opType: 'Cast',
      inputs: [maskName],
      outputs: ['mask_float'],
      attributes: [{ name: 'to', i: CAST_TO_FLOAT }],
    },
    { opType: 'Unsqueeze', inputs: ['mask_float', 'axis_2'], outputs: ['mask_3d'] },
    { opType: 'Mul', inputs: [`hidden_${layers}`, 'mask_3d'], outputs: ['masked'] },
    {
      opType: 'ReduceSum',
      inputs: ['masked', 'axis_1'],
      outputs: ['summed'],
      attributes: [{ name: 'keepdims', i: 0 }],
    },
    {
      opType: 'ReduceSum',
      inputs: ['mask_float', 'axis_1'],
      outputs: ['kept'],
      attributes: [{ name: 'keepdims', i: 1 }],
    },
    { opType: 'Div', inputs: ['summed', 'kept'], outputs: ['pooled'] },
    { opType: 'MatMul', inputs: ['pooled', 'w_out'], outputs: ['logit'] },
    { opType: 'Add', inputs: ['logit', 'b_out'], outputs: ['biased'] },
    { opType: 'Sigmoid', inputs: ['biased'], outputs: ['scores'] },
  );
  return encodeOnnxModel({
    name: 'toy_reranker',
    inputs: [
      { name: 'input_ids', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] },
      { name: maskName, elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] },
    ],
    outputs: [{ name: 'scores', elemType: OnnxDataType.FLOAT, shape: ['batch', 1] }],
    initializers,
    nodes,
  });
}

/**
 * A right-padded batch for `toyRerankerModel`: int64 input ids and attention mask, `[rows, longest]`,
 * one row per entry of `lengths`. A row's ids depend on its length only (so equal-length rows score
 * alike); padding is 0 in both. Plain typed arrays: wrap them in the runtime's own tensors.
 */
export function paddedRows(lengths: readonly number[]): {
  ids: BigInt64Array;
  mask: BigInt64Array;
  dims: [number, number];
} {
  const seq = Math.max(...lengths);
  const ids = new BigInt64Array(lengths.length * seq);
  const mask = new BigInt64Array(lengths.length * seq);
  lengths.forEach((len, row) => {
    for (let i = 0; i < len; i++) {
      ids[row * seq + i] = BigInt(3 + ((len * 7 + i) % 250));
      mask[row * seq + i] = 1n;
    }
  });
  return { ids, mask, dims: [lengths.length, seq] };
}
