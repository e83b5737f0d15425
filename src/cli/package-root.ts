/**
 * Finds heapflow's own package folder from this module's location (dist/cli/ when
 * installed, .build/src/cli/ in the test build), so bundled files are found whatever
 * the current directory is.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'heapflow';

export function findPackageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package folder above ${from}`);
    dir = parent;
  }
}

/** The bundled CS:APP malloc-lab traces. */
export function bundledTraceDir(): string {
  return join(findPackageRoot(), 'traces', 'malloclab');
}

/** The `version` of heapflow's package.json (what `heapflow --version` prints). */
export function packageVersion(): string {
  return readManifestField(join(findPackageRoot(), 'package.json'), 'version') ?? 'unknown';
}

function readPackageName(manifest: string): string | undefined {
  return readManifestField(manifest, 'name');
}

function readManifestField(manifest: string, field: 'name' | 'version'): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || !(field in parsed)) return undefined;
    const value: unknown = (parsed as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
