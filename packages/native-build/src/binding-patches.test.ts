import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyBindingPatches, BINDING_PATCH_SET, BINDING_PATCHES } from './binding-patches.js';

const require = createRequire(import.meta.url);
const dirs: string[] = [];

/** A temporary `binding/` holding `files`. */
function bindingDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfm-binding-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** tfjs-node's own `binding/tfjs_backend.cc`, or null when the package is not installed. */
function tfjsNodeBackendSource(): string | null {
  try {
    return fs.readFileSync(path.join(path.dirname(require.resolve('@tensorflow/tfjs-node/package.json')), 'binding', 'tfjs_backend.cc'), 'utf8');
  } catch {
    return null;
  }
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('applyBindingPatches', () => {
  it("applies every patch to tfjs-node's own sources, once", (ctx) => {
    const source = tfjsNodeBackendSource();
    if (source === null) {
      ctx.skip('SKIPPED: @tensorflow/tfjs-node is not installed');
      return;
    }
    const dir = bindingDir({ 'tfjs_backend.cc': source });
    expect(applyBindingPatches(dir)).toEqual({ applied: BINDING_PATCHES.map((p) => p.id), skipped: [] });
    const patched = fs.readFileSync(path.join(dir, 'tfjs_backend.cc'), 'utf8');
    expect(patched).toContain('TFE_OpSetAttrStringList(tfe_op, attr_name');
    expect(patched).toContain('TFE_OpSetAttrTypeList(tfe_op, attr_name');
    // The list branch sits inside its case, before the single-value code.
    expect(patched.indexOf('TFE_OpSetAttrStringList')).toBeGreaterThan(patched.indexOf('case TF_ATTR_STRING: {'));
    expect(patched.indexOf('TFE_OpSetAttrStringList')).toBeLessThan(patched.indexOf('TFE_OpSetAttrString(tfe_op'));
    expect(patched.length).toBe(source.length + BINDING_PATCHES.reduce((n, p) => n + p.insertion.length, 0));
    const again = applyBindingPatches(dir);
    expect(again.applied).toEqual([]);
    expect(again.skipped.map((s) => s.reason)).toEqual(BINDING_PATCHES.map(() => 'already in tfjs_backend.cc'));
    expect(fs.readFileSync(path.join(dir, 'tfjs_backend.cc'), 'utf8')).toBe(patched);
  });

  it('skips, without writing, a patch whose anchor is missing or not unique, and a missing file', () => {
    const dup = `${BINDING_PATCHES[0]!.anchor}x\n${BINDING_PATCHES[0]!.anchor}y\n`;
    const dir = bindingDir({ 'tfjs_backend.cc': dup });
    const r = applyBindingPatches(dir);
    expect(r.applied).toEqual([]);
    expect(r.skipped).toEqual([
      { id: 'string-list-attributes', reason: 'anchor occurs more than once in tfjs_backend.cc' },
      { id: 'type-list-attributes', reason: 'anchor not found in tfjs_backend.cc' },
    ]);
    expect(fs.readFileSync(path.join(dir, 'tfjs_backend.cc'), 'utf8')).toBe(dup);
    expect(applyBindingPatches(bindingDir({})).skipped.map((s) => s.reason)).toEqual(BINDING_PATCHES.map(() => 'tfjs_backend.cc not found'));
  });

  it('names its patch set after the patches', () => {
    for (const p of BINDING_PATCHES) expect(BINDING_PATCH_SET).toContain(p.id);
  });
});
