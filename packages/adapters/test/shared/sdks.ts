/**
 * Every supported major of a real SDK, installed side by side as npm aliases, is driven through one
 * code path, so the tables type the classes loosely on purpose; each adapter's type test checks the
 * majors' own overloads.
 */
// biome-ignore lint/suspicious/noExplicitAny: incompatible SDK class types behind one table.
export type AnyClientClass = new (options: Record<string, unknown>) => any;

export const asClientClass = (cls: unknown): AnyClientClass => cls as AnyClientClass;
