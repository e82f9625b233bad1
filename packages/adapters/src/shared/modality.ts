import type { TokensByModality } from '@genai-metrics/core';
import { isList, read } from './read.js';

/**
 * Provider modality breakdowns as core's `TokensByModality` (parts of a total; core records the rest of
 * the total as `unknown`). Undefined when the provider names no part: core then reads no breakdown.
 * Every read is guarded (`read`): an AI SDK usage is any provider's object, hostile ones included.
 */

const absent = (v: unknown) => v === undefined || v === null || v === 0;

/**
 * OpenAI-shaped usage details (`prompt_tokens_details`, `completion_tokens_details`, the Responses
 * API's): `text_tokens`, `image_tokens`, `audio_tokens`. OpenAI reports `audio_tokens: 0` on every
 * text call: no part then, so the total is `unknown` as without details.
 */
export function detailsByModality(details: unknown): TokensByModality | undefined {
  const text = read(details, 'text_tokens');
  const image = read(details, 'image_tokens');
  const audio = read(details, 'audio_tokens');
  if (absent(text) && absent(image) && absent(audio)) return undefined;
  return { text: text as number, image: image as number, audio: audio as number };
}

/** Gemini's `ModalityTokenCount` names, as `gen_ai.token.modality` values (VIDEO, DOCUMENT: unknown). */
const GEMINI_MODALITIES: Readonly<Record<string, keyof TokensByModality>> = {
  TEXT: 'text',
  IMAGE: 'image',
  AUDIO: 'audio',
};

/** Entries read from one Gemini list: its modalities are a handful, so a longer list is not one. */
const MAX_ENTRIES = 16;

/**
 * Gemini's `promptTokensDetails` / `candidatesTokensDetails`: a list of `{ modality, tokenCount }`.
 * A malformed count is handed on (core counts it invalid); a repeated modality adds up.
 */
export function geminiByModality(list: unknown): TokensByModality | undefined {
  if (!isList(list)) return undefined;
  const length = read(list, 'length');
  if (typeof length !== 'number') return undefined;
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < Math.min(length, MAX_ENTRIES); i++) {
    const entry = read(list, i);
    const modality = read(entry, 'modality');
    if (typeof modality !== 'string' || !Object.hasOwn(GEMINI_MODALITIES, modality)) continue;
    const key = GEMINI_MODALITIES[modality]!;
    const count = read(entry, 'tokenCount');
    out ??= {};
    const before = out[key];
    out[key] = typeof before === 'number' && typeof count === 'number' ? before + count : count;
  }
  return out as TokensByModality | undefined;
}

/** An AI SDK usage's `raw` (the provider's own usage object): Gemini's or OpenAI's breakdowns. */
export function rawUsageByModality(raw: unknown): {
  input: TokensByModality | undefined;
  output: TokensByModality | undefined;
} {
  const prompt = read(raw, 'promptTokensDetails');
  const candidates = read(raw, 'candidatesTokensDetails');
  if (prompt !== undefined || candidates !== undefined) {
    return { input: geminiByModality(prompt), output: geminiByModality(candidates) };
  }
  return {
    input: detailsByModality(read(raw, 'prompt_tokens_details') ?? read(raw, 'input_tokens_details')),
    output: detailsByModality(read(raw, 'completion_tokens_details') ?? read(raw, 'output_tokens_details')),
  };
}
