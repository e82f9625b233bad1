import { describeValue } from '../input/describe.js';
import { exponential, oneTwoFive } from './builders.js';

/**
 * Bucket families. Every histogram in the catalogue names one family; a preset maps each family to
 * boundaries. The `semconv` preset is the advice of the GenAI semantic conventions.
 */
export type BucketFamily =
  | 'duration' // end-to-end request/operation durations, client and server (s)
  | 'chunkLatency' // client time to first chunk and time per output chunk (s)
  | 'timeToFirstToken' // server time to first token (s)
  | 'timePerOutputToken' // server time per output token (s)
  | 'tokens' // token counts per operation ({token})
  | 'loadDuration' // model load / session create (s)
  | 'queueDuration' // time waiting for a busy sequence/session (s)
  | 'batchSize' // items per batch ({item})
  | 'runDuration' // one runtime forward pass, e.g. an ONNX Runtime run() (s): sub-millisecond for small models
  | 'stageDuration' // one stage of a serving pipeline: tokenize (µs) to inference or queue wait (s)
  | 'sequenceLength' // tokens in one sequence of a batch ({token})
  | 'paddingRatio' // padded positions / all positions of a batch (0–1)
  | 'agentDuration' // one agent invocation, several model and tool calls (s)
  | 'callCount'; // model or tool calls per agent invocation ({inference_call}, {tool_call})

export type BucketPresetName = 'semconv' | 'vllm' | 'seed';
export type BucketPreset = Readonly<Record<BucketFamily, readonly number[]>>;

const SEMCONV_DURATION = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);
const SEMCONV_TTFT = Object.freeze([
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);
const SEMCONV_TPOT = Object.freeze([0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5]);
const SEMCONV_TOKENS = Object.freeze(exponential(1, 4, 14));
const LOAD_DURATION = Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]);
const BATCH_SIZE = Object.freeze([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
// Small embedding/classifier models run in well under a millisecond; large ones in seconds.
const RUN_DURATION = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

// A pipeline stage spans a byte-level tokenizer call (tens of µs) to a queue wait under overload
// (a minute): the run-duration family with a tail for waits.
const STAGE_DURATION = Object.freeze([...RUN_DURATION, 30, 60]);
// 0 is a boundary of its own: unpadded batches (every batch of one) land in the first bucket, so
// "how many batches were padded at all" is one bucket read. 5 % steps where rightly-sized batches live.
const PADDING_RATIO = Object.freeze([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
// The GenAI conventions' advice for agent metrics (semantic-conventions-genai): an invocation is several
// model and tool calls, so its durations start at 0.1 s and double to minutes; calls per invocation
// double from 1 (a run with no tool call lands at or below the first boundary).
const AGENT_DURATION = Object.freeze(exponential(0.1, 2, 13));
const CALL_COUNT = Object.freeze(exponential(1, 2, 8));

/** Default context length for 1-2-5 token buckets when the caller does not give the model's. */
export const DEFAULT_CONTEXT_LENGTH = 131_072;

export const semconvPreset: BucketPreset = Object.freeze({
  duration: SEMCONV_DURATION,
  chunkLatency: SEMCONV_DURATION,
  timeToFirstToken: SEMCONV_TTFT,
  timePerOutputToken: SEMCONV_TPOT,
  tokens: SEMCONV_TOKENS,
  loadDuration: LOAD_DURATION,
  queueDuration: SEMCONV_DURATION,
  batchSize: BATCH_SIZE,
  runDuration: RUN_DURATION,
  stageDuration: STAGE_DURATION,
  // No convention advises sequence-length buckets; 1-2-5 keeps resolution where encoder inputs live (16–512).
  sequenceLength: Object.freeze(oneTwoFive(DEFAULT_CONTEXT_LENGTH)),
  paddingRatio: PADDING_RATIO,
  agentDuration: AGENT_DURATION,
  callCount: CALL_COUNT,
});

/** vLLM's own histograms: a long tail to hours for batch/offline serving. */
export function vllmPreset(contextLength = DEFAULT_CONTEXT_LENGTH): BucketPreset {
  const ttft = Object.freeze([
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160,
    640, 2560,
  ]);
  const e2e = Object.freeze([
    0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
  ]);
  return Object.freeze({
    duration: e2e,
    chunkLatency: ttft,
    timeToFirstToken: ttft,
    timePerOutputToken: Object.freeze([
      0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
    ]),
    tokens: Object.freeze(oneTwoFive(contextLength)),
    loadDuration: LOAD_DURATION,
    queueDuration: e2e,
    batchSize: BATCH_SIZE,
    runDuration: RUN_DURATION,
    stageDuration: Object.freeze([...STAGE_DURATION, 120, 300, 600]),
    sequenceLength: Object.freeze(oneTwoFive(contextLength)),
    paddingRatio: PADDING_RATIO,
    agentDuration: AGENT_DURATION,
    callCount: CALL_COUNT,
  });
}

/** Interactive-chat SLO buckets: fine resolution between 10 ms and 30 s where chat latencies live. */
export function seedPreset(contextLength = DEFAULT_CONTEXT_LENGTH): BucketPreset {
  return Object.freeze({
    duration: Object.freeze([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30]),
    chunkLatency: Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 1.5, 2.5]),
    timeToFirstToken: Object.freeze([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 1.5, 2.5,
    ]),
    timePerOutputToken: Object.freeze([
      0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1,
    ]),
    tokens: Object.freeze(oneTwoFive(contextLength)),
    loadDuration: LOAD_DURATION,
    queueDuration: Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
    batchSize: BATCH_SIZE,
    runDuration: RUN_DURATION,
    stageDuration: STAGE_DURATION,
    sequenceLength: Object.freeze(oneTwoFive(contextLength)),
    paddingRatio: PADDING_RATIO,
    agentDuration: AGENT_DURATION,
    callCount: CALL_COUNT,
  });
}

export function resolvePreset(name: BucketPresetName = 'semconv', contextLength?: number): BucketPreset {
  switch (name) {
    case 'semconv':
      return semconvPreset;
    case 'vllm':
      return vllmPreset(contextLength);
    case 'seed':
      return seedPreset(contextLength);
    default:
      throw new RangeError(
        `genai-metrics: unknown bucket preset ${describeValue(name)}; use one of 'semconv', 'vllm', 'seed'`,
      );
  }
}
