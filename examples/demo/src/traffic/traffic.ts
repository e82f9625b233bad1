import { seededRandom } from '@genai-metrics/testkit/random';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type OpenAI from 'openai';
import { PROMPTS, SYSTEM_PROMPTS } from './prompts.js';

/** What one simulated user call did; counted for the progress line only (the page reads metrics). */
export type Outcome = 'ok' | 'error' | 'aborted' | 'broke-out';

export interface TrafficOptions {
  client: OpenAI;
  model: string;
  /** Steady concurrent callers. */
  concurrency: number;
  /** Extra callers that arrive together every `burstEveryMs` (drives the queue and 429s). */
  burst: number;
  burstEveryMs: number;
  /** Deterministic mix for a given seed. */
  seed?: number;
  onOutcome?: (outcome: Outcome) => void;
  /** Each call runs in a span of this tracer (its trace becomes the exemplar of its buckets). */
  tracer?: Tracer;
}

type Kind = 'stream' | 'json' | 'break' | 'abort' | 'invalid';

// Weights of the request mix: mostly streaming chat, some plain JSON, a few callers that stop
// reading early or give up, and the odd malformed request.
const MIX: [Kind, number][] = [
  ['stream', 50],
  ['json', 30],
  ['break', 8],
  ['abort', 7],
  ['invalid', 5],
];

/**
 * Simulated users calling the OpenAI-compatible endpoint through the (instrumented) OpenAI client.
 * Runs until `stop()`; every call ends (completed, failed, aborted) before `stop()` resolves.
 */
export class Traffic {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private burstTimer: NodeJS.Timeout | undefined;
  private random: () => number;
  private readonly stopController = new AbortController();

  constructor(private readonly options: TrafficOptions) {
    this.random = seededRandom(options.seed ?? 42);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i++) this.track(this.loop());
    if (this.options.burst > 0) {
      this.burstTimer = setInterval(() => {
        for (let i = 0; i < this.options.burst; i++) this.track(this.call(this.pick()));
      }, this.options.burstEveryMs);
      this.burstTimer.unref();
    }
  }

  /** Stops new calls and aborts the ones in flight (they are recorded as cancelled). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.burstTimer) clearInterval(this.burstTimer);
    this.stopController.abort(new DOMException('demo stopping', 'AbortError'));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops new calls and lets the ones in flight finish. */
  async drain(): Promise<void> {
    this.running = false;
    if (this.burstTimer) clearInterval(this.burstTimer);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.call(this.pick());
      // Think time between a user's calls.
      await sleep(50 + this.random() * 250, this.stopController.signal);
    }
  }

  private pick(): Kind {
    const total = MIX.reduce((s, [, w]) => s + w, 0);
    let r = this.random() * total;
    for (const [kind, w] of MIX) {
      r -= w;
      if (r < 0) return kind;
    }
    return 'stream';
  }

  private messages(): OpenAI.Chat.ChatCompletionMessageParam[] {
    const system = SYSTEM_PROMPTS[Math.floor(this.random() * SYSTEM_PROMPTS.length)]!;
    const user = PROMPTS[Math.floor(this.random() * PROMPTS.length)]!;
    return [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ];
  }

  /** One simulated user call, inside a span when there is a tracer. */
  private async call(kind: Kind): Promise<void> {
    const { tracer } = this.options;
    if (!tracer) {
      await this.callOnce(kind);
      return;
    }
    return tracer.startActiveSpan(`chat ${kind}`, async (span) => {
      try {
        const outcome = await this.callOnce(kind);
        if (outcome === 'error' || outcome === 'aborted') span.setStatus({ code: SpanStatusCode.ERROR });
      } finally {
        span.end();
      }
    });
  }

  private async callOnce(kind: Kind): Promise<Outcome | undefined> {
    if (!this.running) return undefined;
    const { client, model, onOutcome } = this.options;
    const maxTokens = 8 + Math.floor(this.random() * 32);
    const controller = new AbortController();
    const stopping = () => controller.abort(this.stopController.signal.reason);
    this.stopController.signal.addEventListener('abort', stopping, { once: true });
    try {
      if (kind === 'json' || kind === 'invalid') {
        await client.chat.completions.create(
          { model, messages: this.messages(), max_tokens: kind === 'invalid' ? 100_000 : maxTokens },
          { signal: controller.signal },
        );
        onOutcome?.('ok');
        return 'ok';
      }
      if (kind === 'abort') setTimeout(() => controller.abort(), 20 + this.random() * 200).unref();
      const stream = await client.chat.completions.create(
        {
          model,
          messages: this.messages(),
          max_tokens: maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: controller.signal },
      );
      let chunks = 0;
      const stopAfter = kind === 'break' ? 2 + Math.floor(this.random() * 4) : Number.POSITIVE_INFINITY;
      for await (const _chunk of stream) {
        if (++chunks >= stopAfter) break;
      }
      const outcome = kind === 'break' ? 'broke-out' : 'ok';
      onOutcome?.(outcome);
      return outcome;
    } catch {
      const outcome = controller.signal.aborted ? 'aborted' : 'error';
      onOutcome?.(outcome);
      return outcome;
    } finally {
      this.stopController.signal.removeEventListener('abort', stopping);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
