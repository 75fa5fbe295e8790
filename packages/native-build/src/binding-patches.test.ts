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
    // The signal mask is set right before the op runs and restored right after it.
    const run = patched.indexOf('TFE_Execute(tfe_op.op');
    expect(patched.slice(patched.lastIndexOf('pthread_sigmask(SIG_BLOCK', run), run)).toMatch(/^pthread_sigmask\(SIG_BLOCK[^\n]*\n\s*$/);
    expect(patched.slice(patched.indexOf('\n', run) + 1)).toMatch(/^ {2}pthread_sigmask\(SIG_SETMASK, &rfm_previous_mask, nullptr\);\n/);
    expect(patched).toContain('#include <algorithm>\n#include <csignal>\n#include <pthread.h>\n');
    const inserted = BINDING_PATCHES.flatMap((p) => p.edits).reduce((n, e) => n + (e.before?.length ?? 0) + (e.after?.length ?? 0), 0);
    expect(patched.length).toBe(source.length + inserted);
    const again = applyBindingPatches(dir);
    expect(again.applied).toEqual([]);
    expect(again.skipped.map((s) => s.reason)).toEqual(BINDING_PATCHES.map(() => 'already in tfjs_backend.cc'));
    expect(fs.readFileSync(path.join(dir, 'tfjs_backend.cc'), 'utf8')).toBe(patched);
  });

  it('skips, without writing, a patch with an anchor missing or not unique, and a missing file', () => {
    const [strings, types, signals] = BINDING_PATCHES;
    const first = strings!.edits[0]!.anchor;
    // Strings: its anchor twice. Types: absent. Signals: one of its two anchors present.
    const text = `${first}x\n${first}y\n${signals!.edits[0]!.anchor}`;
    const dir = bindingDir({ 'tfjs_backend.cc': text });
    const r = applyBindingPatches(dir);
    expect(r.applied).toEqual([]);
    expect(r.skipped).toEqual([
      { id: strings!.id, reason: 'anchor occurs more than once in tfjs_backend.cc' },
      { id: types!.id, reason: 'anchor not found in tfjs_backend.cc' },
      { id: signals!.id, reason: 'anchor not found in tfjs_backend.cc' },
    ]);
    expect(fs.readFileSync(path.join(dir, 'tfjs_backend.cc'), 'utf8')).toBe(text);
    expect(applyBindingPatches(bindingDir({})).skipped.map((s) => s.reason)).toEqual(BINDING_PATCHES.map(() => 'tfjs_backend.cc not found'));
  });

  it('names its patch set after the patches', () => {
    for (const p of BINDING_PATCHES) expect(BINDING_PATCH_SET).toContain(p.id);
  });
});
