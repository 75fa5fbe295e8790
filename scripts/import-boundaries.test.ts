/**
 * The package graph of docs/architecture.md, enforced: every `@rfm/*` import of a package's source
 * (tests excepted) must be one of the imports its layer allows and must be declared in its
 * package.json; no relative import may reach into another package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What each package's source may import from the workspace (docs/architecture.md, "Imports that must never exist"). */
const ALLOWED: Record<string, readonly string[]> = {
  metrics: [],
  core: ['metrics'],
  attention: ['core'],
  backend: ['core'],
  'native-build': ['core'],
  data: ['core', 'metrics'], // the manifest reader uses the one CSV reader of @rfm/metrics
  models: ['core'],
  'augment-sfe': ['core', 'attention'],
  'augment-psfe': ['core', 'augment-sfe'], // progressive SFE is built on SFE's block placement
  'augment-re': ['core'],
  'augment-ae': ['core', 'attention'],
  faces: ['core', 'data'],
  synth: ['core', 'data', 'faces'],
  queue: [], // the job contract knows no job kind
  'queue-bullmq': ['queue'],
  cli: ['core', 'metrics', 'attention', 'backend', 'native-build', 'data', 'faces', 'synth', 'models', 'augment-sfe', 'augment-psfe', 'augment-re', 'augment-ae', 'queue', 'queue-bullmq'], // queue-bullmq: an optional peer, loaded only for --queue
};

const packages = readdirSync(join(root, 'packages'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

describe('import boundaries', () => {
  it('every package has a place in the graph', () => {
    expect(packages.filter((p) => !(p in ALLOWED))).toEqual([]);
  });

  it('no package imports a workspace package its layer forbids or its package.json does not declare', () => {
    const violations: string[] = [];
    for (const pkg of packages) {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
        for (const spec of importsOf(file)) {
          const m = /^@rfm\/([^/]+)/.exec(spec);
          if (!m) continue;
          const target = m[1]!;
          if (target === pkg) violations.push(`${relative(root, file)} imports its own package ${spec}`);
          else if (!ALLOWED[pkg]!.includes(target)) violations.push(`${relative(root, file)} imports ${spec}: ${pkg} may import only ${ALLOWED[pkg]!.join(', ') || 'nothing'}`);
          else if (!declared.has(`@rfm/${target}`)) violations.push(`${relative(root, file)} imports ${spec}, not declared in packages/${pkg}/package.json`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('no relative import reaches into another package', () => {
    const violations: string[] = [];
    for (const pkg of packages) {
      const own = join(root, 'packages', pkg) + sep;
      for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
        for (const spec of importsOf(file)) {
          if (spec.startsWith('.') && !resolve(file, '..', spec).startsWith(own)) violations.push(`${relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('catches a forbidden import (the check itself can fail)', () => {
    expect(importsOf(fileURLToPath(import.meta.url)).some((s) => s === 'node:fs')).toBe(true);
    expect(ALLOWED.core).not.toContain('attention');
    expect(ALLOWED['augment-re']).not.toContain('augment-sfe');
  });
});
