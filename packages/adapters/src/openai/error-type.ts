import { type ErrorType, errorTypeOf } from '@genai-metrics/core';
import { isObj, type Obj } from '../shared/read.js';

/**
 * OpenAI's error codes and types, as its error bodies carry them (`{ error: { type, code } }`): in a
 * Responses API answer or event with `status: "failed"`, and in an `error` event mid-stream, which
 * the SDK throws as an `APIError` with no HTTP status and the body's `type` and `code` on it.
 */
const BY_CODE: Readonly<Record<string, ErrorType>> = {
  rate_limit_exceeded: 'rate_limited',
  server_error: 'server_error',
  invalid_request_error: 'invalid_request',
  // What the live API puts in a stream's error body midway (where no HTTP status can say it): a rate
  // limit as `too_many_requests`, an outage as the type `service_unavailable_error` (code null), a spent
  // quota as the type `insufficient_quota` — the 429 it answers over HTTP, and so recorded alike.
  too_many_requests: 'rate_limited',
  service_unavailable_error: 'server_error',
  insufficient_quota: 'rate_limited',
  // A failed Responses API answer's `error.code` (the SDK's ResponseError list), often without a
  // `type`: the prompt, an image or a policy refused the request as sent, or a file search timed out.
  vector_store_timeout: 'timeout',
  ...Object.fromEntries(
    [
      'invalid_prompt',
      'data_residency_mismatch',
      'bio_policy',
      'misalignment_policy_violation',
      'invalid_image',
      'invalid_image_format',
      'invalid_base64_image',
      'invalid_image_url',
      'image_too_large',
      'image_too_small',
      'image_parse_error',
      'image_content_policy_violation',
      'invalid_image_mode',
      'image_file_too_large',
      'unsupported_image_media_type',
      'empty_image_file',
      'failed_to_download_image',
      'image_file_not_found',
    ].map((code) => [code, 'invalid_request' as const]),
  ),
};

/**
 * `error.type` of a body's `code` and `type` (the code first: it is the finer of the two), or
 * undefined when neither says. A number code is an HTTP status: OpenAI-compatible servers (vLLM,
 * for one) send mid-stream errors as `{ type: 'BadRequestError', code: 400 }`.
 */
function ofBody(code: unknown, type: unknown): ErrorType | undefined {
  if (typeof code === 'string' && Object.hasOwn(BY_CODE, code)) return BY_CODE[code];
  if (typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599)
    return errorTypeOf({ status: code });
  if (typeof type === 'string' && Object.hasOwn(BY_CODE, type)) return BY_CODE[type];
  return undefined;
}

/**
 * For errors without an HTTP status (an `error` event mid-stream): the error body's code or type.
 * An error with a status is core's to map (429, 5xx, other 4xx).
 */
export function openaiErrorType(error: object): ErrorType | undefined {
  const e = error as { status?: unknown; code?: unknown; type?: unknown };
  if (e.status !== undefined && e.status !== null) return undefined;
  return ofBody(e.code, e.type);
}

/**
 * A chat, completions or embeddings answer that is only an error: OpenRouter and gateways like it
 * commit a 200 before the upstream provider runs, and report a failure after that in the body
 * (`{ error: { code: 429, message } }`, no choices), which the SDK hands over as the answer. An
 * answer with output is an answer, whatever else it carries.
 */
export function bodyFailure(data: unknown): string | undefined {
  if (!isObj(data) || !isObj(data.error)) return undefined;
  const output = Array.isArray(data.choices) ? data.choices : data.data;
  if (Array.isArray(output) && output.length > 0) return undefined;
  return ofBody(data.error.code, data.error.type) ?? '_OTHER';
}

/** A Responses API answer with `status: "failed"`: an error reported in a 200 answer. */
export function responseFailure(data: unknown): string | undefined {
  if (!isObj(data) || data.status !== 'failed') return undefined;
  const error = isObj(data.error) ? data.error : undefined;
  return ofBody(error?.code, error?.type) ?? '_OTHER';
}

/**
 * A Responses API `error` stream event (`{ type: 'error', code, message, param }`), which openai 5–6
 * hand to the caller as an item and then end the stream quietly (openai 7 throws it as an APIError):
 * the response failed midway, whatever the stream's quiet end says.
 */
export function errorEventFailure(event: Obj): string {
  return ofBody(event.code, undefined) ?? '_OTHER';
}

/**
 * A choice whose `finish_reason` says the generation failed after it began: `error` (Together AI,
 * OpenRouter — with the upstream's error body in the choice) or DeepSeek's
 * `insufficient_system_resource` (its inference system could not finish). The call failed, whatever
 * output came before; `undefined` for any other finish.
 */
export function choiceFailure(choice: Obj): string | undefined {
  const finish = choice.finish_reason;
  if (finish === 'insufficient_system_resource') return 'server_error';
  if (finish !== 'error') return undefined;
  const error = isObj(choice.error) ? choice.error : undefined;
  return ofBody(error?.code, error?.type) ?? '_OTHER';
}
