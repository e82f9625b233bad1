/**
 * What the simulated users ask. The tiny model answers with random-weight gibberish; what matters is
 * real tokenization and generation. None of this text ever reaches a metric.
 */
export const SYSTEM_PROMPTS: readonly string[] = [
  'You are a helpful assistant.',
  'You are a support agent for a metrics product. Answer briefly.',
  'You translate short phrases.',
];

export const PROMPTS: readonly string[] = [
  'Hello! What can you do?',
  'Summarize this ticket: the dashboard shows no data after the upgrade.',
  'Translate "good morning" to French.',
  'Write a haiku about time to first token.',
  'What is the difference between a histogram and a gauge?',
  'List three reasons a request can time out.',
  'Explain p95 latency to a new engineer in two sentences.',
  'Give me a name for a tiny language model.',
];
