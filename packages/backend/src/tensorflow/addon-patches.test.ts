import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SIGNALS_BLOCKED_PATCH as BUILT_SIGNALS_PATCH, BINDING_PATCHES } from '@rfm/native-build';
import { afterEach, describe, expect, it } from 'vitest';
import { LIST_ATTRIBUTES_PATCH, readAddonPatches, SIGNALS_BLOCKED_PATCH } from './addon-patches.js';

const dirs: string[] = [];

/** A fake package whose `deps/rfm-native.json` holds `manifest` (nothing when undefined), and a resolver to it. */
function fakePackage(manifest?: string): (id: string) => string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfm-addon-patches-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), '{}');
  if (manifest !== undefined) {
    fs.mkdirSync(path.join(dir, 'deps'));
    fs.writeFileSync(path.join(dir, 'deps', 'rfm-native.json'), manifest);
  }
  return (id) => {
    expect(id).toBe('@tensorflow/tfjs-node/package.json');
    return path.join(dir, 'package.json');
  };
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('readAddonPatches', () => {
  it('reads the patches that build-native recorded, and none from a missing, older or broken record', () => {
    const patches = ['string-list-attributes', SIGNALS_BLOCKED_PATCH];
    expect(readAddonPatches('@tensorflow/tfjs-node', fakePackage(JSON.stringify({ addon: { bindingPatches: patches } })))).toEqual(patches);
    expect(readAddonPatches('@tensorflow/tfjs-node', fakePackage())).toEqual([]);
    expect(readAddonPatches('@tensorflow/tfjs-node', fakePackage(JSON.stringify({ addon: { compiledAt: 'x' } })))).toEqual([]);
    expect(readAddonPatches('@tensorflow/tfjs-node', fakePackage('{ not json'))).toEqual([]);
    expect(readAddonPatches('@tensorflow/tfjs-node', () => { throw new Error('not installed'); })).toEqual([]);
  });

  it("names the patches as @rfm/native-build records them", () => {
    expect(SIGNALS_BLOCKED_PATCH).toBe(BUILT_SIGNALS_PATCH);
    expect(BINDING_PATCHES.map((p) => p.id)).toContain(LIST_ATTRIBUTES_PATCH);
    expect(BINDING_PATCHES.map((p) => p.id)).toContain(SIGNALS_BLOCKED_PATCH);
  });
});
