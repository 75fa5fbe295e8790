/**
 * What the loaded tfjs-node addon can do beyond tfjs-node's own: the source patches that
 * `rfm backend build-native` compiled into it, as `deps/rfm-native.json` records them
 * (`@rfm/native-build`'s `binding-patches.ts`). An addon built otherwise (tfjs-node's own install
 * script) has none, and the kernels keep their safer or unfused routes.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** The patch that lets an array value set a list attribute (needed by TensorFlow's fused ops). */
export const LIST_ATTRIBUTES_PATCH = 'string-list-attributes';

/**
 * The patch that blocks asynchronous signals on the calling thread while TensorFlow runs an op, so
 * that a signal Node handles cannot land in the middle of oneDNN's matrix products there.
 */
export const SIGNALS_BLOCKED_PATCH = 'signals-blocked-during-ops';

/** The patches of the addon `initBackend` loaded (undefined: none loaded that way yet). */
let atLoad: readonly string[] | undefined;

/**
 * The patches recorded in `deps/rfm-native.json` of the package `module` (`@tensorflow/tfjs-node`
 * or `-gpu`), or none when the file is missing or unreadable.
 *
 * @param module - the package name
 * @param resolve - how to find `<module>/package.json` (for tests)
 */
export function readAddonPatches(module: string, resolve: (id: string) => string = createRequire(import.meta.url).resolve): readonly string[] {
  try {
    const manifest = path.join(path.dirname(resolve(`${module}/package.json`)), 'deps', 'rfm-native.json');
    const patches = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { addon?: { bindingPatches?: unknown } }).addon?.bindingPatches;
    return Array.isArray(patches) ? patches.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Records the patches of the addon of `module`, which has just loaded; returns them.
 *
 * @param module - the package `initBackend` loaded
 */
export function recordAddonPatchesAtLoad(module: string): readonly string[] {
  atLoad = readAddonPatches(module);
  return atLoad;
}

/** The patches of the loaded addon: those recorded at load, or `@tensorflow/tfjs-node`'s when it loaded some other way. */
export function addonPatches(): readonly string[] {
  atLoad ??= readAddonPatches('@tensorflow/tfjs-node');
  return atLoad;
}

/** Whether the loaded addon blocks asynchronous signals on the calling thread while an op runs. */
export function signalsBlockedDuringOps(): boolean {
  return addonPatches().includes(SIGNALS_BLOCKED_PATCH);
}
