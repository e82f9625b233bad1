import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packAll, type Tarballs } from '../src/pack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Package name → its packed tarball, shared by every test file (packed once per run). */
    tarballs: Tarballs;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'genai-metrics-pack-'));
  project.provide('tarballs', await packAll(dir));
  return () => rmSync(dir, { recursive: true, force: true });
}
