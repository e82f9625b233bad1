// The type check of src/ + test/ (tsconfig.json, rootDir '.') cannot map package.json `imports`
// (which point at dist/) back to the sources, as the build (rootDir 'src') does; this declares the
// one such specifier for it.
declare module '#export-platform' {
  export const exportPlatform: import('../../src/export/platform/types.js').ExportPlatform;
}
