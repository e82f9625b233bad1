import { readFileSync } from 'node:fs';
import { describe } from '../../diag.js';
import type { DeviceSample, DeviceType, HardwareProvider } from '../../types.js';

/** One device in a fixture: the DeviceSample fields (SI units), `provider` filled in for you. */
export type FakeDevice = Omit<DeviceSample, 'provider'>;

/**
 * Fixture for the fake provider: fixed `devices`, or `frames` played one per sample in a loop (so a demo
 * shows moving values). Given as an object, a JSON file path, or — when neither is given — the env var
 * `GENAI_METRICS_FAKE_HARDWARE` (a path or inline JSON).
 */
export type FakeFixture = { devices: FakeDevice[] } | { frames: FakeDevice[][] };

export const FAKE_HARDWARE_ENV = 'GENAI_METRICS_FAKE_HARDWARE';

const TYPES: ReadonlySet<DeviceType> = new Set(['gpu', 'npu']);

export function loadFakeFixture(source: FakeFixture | string | undefined): FakeFixture {
  try {
    return readFixture(source);
  } catch (error) {
    // A fixture is the app's object or file: whatever reading it throws (a Proxy, a getter, a missing
    // file, bad JSON) becomes one setup error that says what was being read.
    if (error instanceof Error && error.message.startsWith('@genai-metrics/hardware')) throw error;
    let detail = describe(error);
    try {
      if (error instanceof Error) detail = error.message.slice(0, 300);
    } catch {
      // keep the plain description
    }
    throw new Error(`@genai-metrics/hardware: the 'fake' provider's fixture could not be read (${detail})`);
  }
}

function readFixture(source: FakeFixture | string | undefined): FakeFixture {
  const raw = source ?? process.env[FAKE_HARDWARE_ENV];
  if (raw === undefined || raw === '') {
    throw new Error(
      `@genai-metrics/hardware: the 'fake' provider needs a fixture: pass { fake: { devices: [...] } } or set ${FAKE_HARDWARE_ENV} to a JSON file path or inline JSON`,
    );
  }
  let fixture: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trimStart().startsWith('{') ? raw : readFileSync(raw, 'utf8');
    fixture = JSON.parse(text);
  }
  const frames = framesOf(fixture);
  frames.forEach((frame, f) => {
    for (const d of frame) {
      if (typeof d?.id !== 'string' || !TYPES.has(d.type)) {
        throw new Error(
          `@genai-metrics/hardware: fake fixture frame ${f}: every device needs a string "id" and "type" "gpu" or "npu" (got ${describe(d)})`,
        );
      }
    }
  });
  return { frames };
}

function framesOf(fixture: unknown): FakeDevice[][] {
  const f = fixture as Partial<{ devices: FakeDevice[]; frames: FakeDevice[][] }>;
  if (Array.isArray(f?.frames) && f.frames.length > 0 && f.frames.every(Array.isArray)) return f.frames;
  if (Array.isArray(f?.devices)) return [f.devices];
  throw new Error(
    '@genai-metrics/hardware: fake fixture must be { "devices": [...] } or { "frames": [[...], ...] }',
  );
}

/** Devices from a fixture, for tests and for demos on machines without accelerators. */
export function createFakeProvider(source?: FakeFixture | string): HardwareProvider {
  const { frames } = loadFakeFixture(source) as { frames: FakeDevice[][] };
  let next = 0;
  const withProvider = (d: FakeDevice): DeviceSample => ({ ...d, provider: 'fake' });
  return {
    name: 'fake',
    async probe() {
      return frames[0]!.map((d) => {
        const { id, type, name, vendor, model } = d;
        return { id, type, name, vendor, model, provider: 'fake' };
      });
    },
    async sample() {
      const frame = frames[next % frames.length]!;
      next++;
      return frame.map(withProvider);
    },
    close() {},
  };
}
