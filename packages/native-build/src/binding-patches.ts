/**
 * Changes rfm.js makes to tfjs-node's addon sources (`binding/*.cc`) before compiling them.
 *
 * tfjs-node 4.22.0's addon sets an op attribute of type `string` or `type` from one JavaScript value
 * only, so ops whose attributes are lists of strings or of types cannot be run by name. Among them
 * are TensorFlow's fused ops, for example oneDNN's `_MklNativeFusedMatMul` with
 * `fused_ops: ['BiasAdd', 'Relu']`: one pass where `MatMul`, `BiasAdd` and `Relu` make three
 * (`@rfm/backend`'s `fused-pointwise.ts`). The patch here lets an array value set a list attribute
 * through TensorFlow's C API (`TFE_OpSetAttrStringList`, `TFE_OpSetAttrTypeList`); a single value
 * works as before. The patch is inserted at fixed places of the sources; where they are not found
 * (another tfjs-node version) the addon is compiled unpatched, and `@rfm/backend` probes at run time
 * whether list attributes work.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One insertion into an addon source file. */
export interface BindingPatch {
  /** Short name, recorded with the compiled addon. */
  readonly id: string;
  /** File under `binding/`. */
  readonly file: string;
  /** Text that must occur exactly once; the insertion goes right after it. */
  readonly anchor: string;
  /** C++ inserted after the anchor. */
  readonly insertion: string;
}

/** A `case` of the addon's attribute switch that first handles an array value with `setList`. */
function listCase(caseLabel: string, id: string, readElement: string, setList: string): BindingPatch {
  return {
    id,
    file: 'tfjs_backend.cc',
    anchor: `    case ${caseLabel}: {\n`,
    insertion: [
      '      // rfm.js: an array value sets a list attribute.',
      '      if (IsArray(env, nstatus, &js_value)) {',
      '        uint32_t length;',
      '        nstatus = napi_get_array_length(env, js_value, &length);',
      '        ENSURE_NAPI_OK(env, nstatus);',
      readElement,
      `        ${setList}`,
      '        break;',
      '      }',
      '',
    ].join('\n'),
  };
}

/** The patches, in the order they are applied. */
export const BINDING_PATCHES: readonly BindingPatch[] = [
  listCase(
    'TF_ATTR_STRING',
    'string-list-attributes',
    [
      '        std::vector<std::string> items(length);',
      '        std::vector<const void *> data(length);',
      '        std::vector<size_t> sizes(length);',
      '        for (uint32_t i = 0; i < length; ++i) {',
      '          napi_value element;',
      '          nstatus = napi_get_element(env, js_value, i, &element);',
      '          ENSURE_NAPI_OK(env, nstatus);',
      '          nstatus = GetStringParam(env, element, items[i]);',
      '          ENSURE_NAPI_OK(env, nstatus);',
      '          data[i] = items[i].data();',
      '          sizes[i] = items[i].size();',
      '        }',
    ].join('\n'),
    'TFE_OpSetAttrStringList(tfe_op, attr_name, data.data(), sizes.data(), static_cast<int>(length));',
  ),
  listCase(
    'TF_ATTR_TYPE',
    'type-list-attributes',
    [
      '        std::vector<TF_DataType> types(length);',
      '        for (uint32_t i = 0; i < length; ++i) {',
      '          napi_value element;',
      '          nstatus = napi_get_element(env, js_value, i, &element);',
      '          ENSURE_NAPI_OK(env, nstatus);',
      '          nstatus = napi_get_value_int32(env, element, reinterpret_cast<int32_t *>(&types[i]));',
      '          ENSURE_NAPI_OK(env, nstatus);',
      '        }',
    ].join('\n'),
    'TFE_OpSetAttrTypeList(tfe_op, attr_name, types.data(), static_cast<int>(length));',
  ),
];

/**
 * Names the set of patches: a cached addon compiled with another set is compiled again, and
 * `buildNative` rebuilds an installed addon that an earlier rfm.js compiled with another set.
 */
export const BINDING_PATCH_SET = `rfm-binding-patches-1:${BINDING_PATCHES.map((p) => p.id).join(',')}`;

/** What {@link applyBindingPatches} did. */
export interface BindingPatchResult {
  /** Ids of the patches inserted. */
  readonly applied: readonly string[];
  /** Ids of the patches whose anchor was missing or not unique, with why. */
  readonly skipped: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

/**
 * Inserts {@link BINDING_PATCHES} into the addon sources under `bindingDir` (a temporary copy:
 * the files are rewritten in place). A patch whose anchor is missing or occurs more than once is
 * skipped, not guessed; so is one already there.
 *
 * @param bindingDir - the copy's `binding/` directory
 * @returns the patches applied and skipped
 * @example
 * ```ts
 * const r = applyBindingPatches(path.join(work, 'binding'));
 * if (r.skipped.length) console.warn(r.skipped.map((s) => `${s.id}: ${s.reason}`).join('; '));
 * ```
 */
export function applyBindingPatches(bindingDir: string): BindingPatchResult {
  const applied: string[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  for (const patch of BINDING_PATCHES) {
    const file = path.join(bindingDir, patch.file);
    const source = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    const at = source?.indexOf(patch.anchor) ?? -1;
    if (source === null || at < 0) {
      skipped.push({ id: patch.id, reason: source === null ? `${patch.file} not found` : `anchor not found in ${patch.file}` });
      continue;
    }
    if (source.includes(patch.insertion)) {
      skipped.push({ id: patch.id, reason: `already in ${patch.file}` });
      continue;
    }
    if (source.indexOf(patch.anchor, at + 1) >= 0) {
      skipped.push({ id: patch.id, reason: `anchor occurs more than once in ${patch.file}` });
      continue;
    }
    const end = at + patch.anchor.length;
    fs.writeFileSync(file, source.slice(0, end) + patch.insertion + source.slice(end));
    applied.push(patch.id);
  }
  return { applied, skipped };
}
