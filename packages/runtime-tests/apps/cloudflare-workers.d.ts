// The one Workers module the test Worker imports (`env` as a module-scope import); the full types
// are in @cloudflare/workers-types, which nothing else here needs.
declare module 'cloudflare:workers' {
  export const env: Record<string, unknown>;
}
