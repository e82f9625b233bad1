import * as nodeLlamaCpp from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, startLlamaFixture } from './fixture.js';

const RAM = { 'llm.memory.type': 'ram' };

/**
 * An app may run two Llama instances (getLlama() with other options gives a new one: a CPU embedder
 * beside a GPU chat model). Each reports the memory of its own models and contexts, and the gauge
 * observed one value per instance under the same attributes, so one instance's figure replaced the
 * other's: llm.memory.usage showed 2.4 MB of the 5.6 MB in use. It is their sum.
 */
describe('instrumentLlamaCpp: llm.memory.usage over several Llama instances', () => {
  let f: LlamaFixture;
  let second: nodeLlamaCpp.Llama;
  beforeAll(async () => {
    f = await startLlamaFixture();
    second = await nodeLlamaCpp.getLlama({
      gpu: false,
      build: 'never',
      logLevel: nodeLlamaCpp.LlamaLogLevel.error,
    });
  });
  afterAll(async () => {
    await second?.dispose();
    await f?.close();
  });

  it('reports the memory of every instance, summed', async () => {
    expect(second).not.toBe(f.llama);
    const model = await second.loadModel({ modelPath: f.modelPath });
    await model.createContext({ contextSize: 512, threads: 1 });
    await f.context();
    const [a, b] = await Promise.all([f.llama.getLlamaMemoryUsage(), second.getLlamaMemoryUsage()]);
    expect(a.cpuRam).toBeGreaterThan(0);
    expect(b.cpuRam).toBeGreaterThan(0);
    // Memory is sampled in the background, at most once a second per instance: collect until the
    // samples taken after the loads above are in (bounded; the value is what is checked).
    let points = (await f.harness.collect()).points('llm.memory.usage', RAM);
    for (let i = 0; i < 100 && points[0]?.value !== a.cpuRam + b.cpuRam; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      points = (await f.harness.collect()).points('llm.memory.usage', RAM);
    }
    expect(points).toHaveLength(1);
    expect(points[0]!.value).toBe(a.cpuRam + b.cpuRam);
  });
});
