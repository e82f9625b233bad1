import fc from 'fast-check';

/**
 * Values no instrumentation may choke on, whatever it does with them: each is made fresh per run
 * (a Proxy revoked, a getter armed) so one run cannot defuse the next.
 */
const boom = () => {
  throw new Error('hostile');
};

function throwingGetters(): object {
  const o = {};
  for (const key of [
    'model',
    'type',
    'usage',
    'stream',
    'metrics',
    'then',
    'message',
    'status',
    'name',
    'dims',
  ]) {
    Object.defineProperty(o, key, { get: boom, enumerable: true });
  }
  return o;
}

function cyclic(): object {
  const o: Record<string, unknown> = { type: 'content_block_delta', model: 'm' };
  o.self = o;
  o.delta = o;
  o.usage = o;
  o.message = o;
  o.choices = [o];
  return o;
}

const MAKERS: Array<[string, () => unknown]> = [
  ['symbol', () => Symbol('hostile')],
  ['bigint', () => 10n ** 30n],
  ['NaN', () => Number.NaN],
  ['-Infinity', () => Number.NEGATIVE_INFINITY],
  ['function', () => () => 'x'],
  ['null-prototype object', () => Object.create(null)],
  ['throwing Proxy', () => new Proxy({}, { get: boom, has: boom, ownKeys: boom, getPrototypeOf: boom })],
  [
    'revoked Proxy',
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
  ],
  ['throwing getters', throwingGetters],
  ['cyclic object', cyclic],
  ['huge string', () => 'm'.repeat(100_000)],
  ['array of hostiles', () => [Symbol('a'), 1n, cyclic()]],
];

/**
 * A recipe for a value: fast-check inspects what it generates (and a hostile value would attack
 * fast-check itself), so it generates recipes and the property builds the values with `build`.
 */
export type Recipe =
  | { kind: 'made'; name: string }
  | { kind: 'plain'; value: unknown }
  /** An object with these fields: SDK-shaped data whose fields are hostile. */
  | { kind: 'shape'; fields: Record<string, Recipe> };

/** One hostile value: the makers above, or anything fast-check makes. */
export const hostile: fc.Arbitrary<Recipe> = fc.oneof(
  fc.constantFrom(...MAKERS.map(([name]) => name)).map((name): Recipe => ({ kind: 'made', name })),
  fc
    .anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true })
    .map((value): Recipe => ({ kind: 'plain', value })),
);

const MAKE = new Map(MAKERS);

export function build(recipe: Recipe): unknown {
  if (recipe.kind === 'made') return MAKE.get(recipe.name)!();
  if (recipe.kind === 'plain') return recipe.value;
  return Object.fromEntries(Object.entries(recipe.fields).map(([k, v]) => [k, build(v)]));
}

const plain = (value: unknown): Recipe => ({ kind: 'plain', value });

/**
 * SDK-shaped data with hostile holes: objects with a known `type` (or none) and the fields an
 * adapter reads, each hostile, realistic or itself such an object (two levels deep).
 */
export function shaped(types: readonly string[], fields: readonly string[]): fc.Arbitrary<Recipe> {
  const leaf = fc.oneof(
    hostile,
    fc.constantFrom('m', '', 'text_delta', 'end_turn', 0, 3, -1, 2.5, null).map(plain),
  );
  const object = (inner: fc.Arbitrary<Recipe>) =>
    fc
      .record(
        {
          type: fc.oneof(fc.constantFrom(...types).map(plain), leaf),
          ...Object.fromEntries(fields.map((f) => [f, inner])),
        },
        { requiredKeys: ['type'] },
      )
      .map((f): Recipe => ({ kind: 'shape', fields: f as Record<string, Recipe> }));
  return fc.oneof(hostile, object(fc.oneof(leaf, object(leaf))));
}

/** A valid value, or the app's metrics (`metrics`) or its setupMetrics-style handle (`handle`). */
type Slot = { kind: 'valid'; value: unknown } | { kind: 'metrics' | 'handle' } | Recipe;

export interface OptionsRecipe {
  /** The whole options value is hostile, … */
  whole?: Recipe;
  /** … or these keys, each valid or hostile, … */
  keys?: Record<string, Slot>;
  /** … with this one behind a throwing getter. */
  armed?: string;
}

/** An options object for an adapter: some keys valid, some hostile, maybe an armed getter. */
export function hostileOptions(ownKeys: readonly string[]): fc.Arbitrary<OptionsRecipe> {
  const ownHostile = hostile.filter((r) => !(r.kind === 'plain' && r.value === true));
  const either = (valid: fc.Arbitrary<Slot>) =>
    fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: hostile as fc.Arbitrary<Slot> });
  const slot = (values: unknown[]) =>
    either(fc.constantFrom(...values).map((value): Slot => ({ kind: 'valid', value })));
  const keys = fc.record(
    {
      metrics: either(fc.constantFrom<Slot>({ kind: 'metrics' }, { kind: 'handle' })),
      providerName: slot(['custom', 'openai']),
      provider: slot(['old']),
      kind: slot(['client', 'server', 'both']),
      // Not `true`: OpenAI's `includeUsage: true` changes the request on purpose (documented opt-in).
      ...Object.fromEntries(ownKeys.map((k) => [k, ownHostile as fc.Arbitrary<Slot>])),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, Slot>>;
  return fc.oneof(
    { weight: 1, arbitrary: hostile.map((whole): OptionsRecipe => ({ whole })) },
    { weight: 4, arbitrary: keys.map((k): OptionsRecipe => ({ keys: k })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(keys, fc.constantFrom('metrics', 'providerName', 'kind'))
        .map(([k, armed]): OptionsRecipe => ({ keys: k, armed })),
    },
  );
}

export function buildOptions(recipe: OptionsRecipe, metrics: unknown): unknown {
  if (recipe.whole) return build(recipe.whole);
  const out: Record<string, unknown> = {};
  for (const [key, slot] of Object.entries(recipe.keys ?? {})) {
    if (slot.kind === 'valid') out[key] = slot.value;
    else if (slot.kind === 'metrics') out[key] = metrics;
    else if (slot.kind === 'handle') out[key] = { genai: metrics };
    else out[key] = build(slot as Recipe);
  }
  if (recipe.armed) Object.defineProperty(out, recipe.armed, { get: boom, enumerable: true });
  return out;
}
