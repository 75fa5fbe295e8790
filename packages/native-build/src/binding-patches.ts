/**
 * Changes rfm.js makes to tfjs-node's addon sources (`binding/*.cc`) before compiling them.
 *
 * - **List attributes.** tfjs-node 4.22.0's addon sets an op attribute of type `string` or `type`
 *   from one JavaScript value only, so ops whose attributes are lists of strings or of types cannot
 *   be run by name. Among them are TensorFlow's fused ops, for example oneDNN's
 *   `_MklNativeFusedMatMul` with `fused_ops: ['BiasAdd', 'Relu']`: one pass where `MatMul`,
 *   `BiasAdd` and `Relu` make three (`@rfm/backend`'s `fused-pointwise.ts`). With the patches an
 *   array value sets a list attribute through TensorFlow's C API (`TFE_OpSetAttrStringList`,
 *   `TFE_OpSetAttrTypeList`); a single value works as before.
 * - **Signals blocked while an op runs.** TensorFlow runs an op's work partly or wholly on the
 *   calling thread, Node's main thread, where Node's signal handlers run. A signal handled there
 *   during oneDNN's `MatMul` or a fused matrix product corrupts the heap (glibc aborts the process;
 *   docs/memory-and-speed.md, fifteenth and sixteenth sessions). The patch blocks the asynchronous
 *   signals on the calling thread for the duration of `TFE_Execute` and restores the mask after
 *   (two `pthread_sigmask` calls, about 2 µs a pair here). A process-directed signal then goes to
 *   another thread or waits until the op returns; Node's handlers still run. Fault signals
 *   (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS) stay unblocked.
 *
 * Each patch inserts text around fixed places of the sources. Where a place is not found (another
 * tfjs-node version) the patch is skipped and the addon compiled without it; `@rfm/backend` reads
 * the patches an addon has from `deps/rfm-native.json` and keeps its safer, slower routes without them.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One insertion around a place of an addon source file. */
export interface BindingEdit {
  /** Text that must occur exactly once in the file. */
  readonly anchor: string;
  /** C++ inserted right before the anchor. */
  readonly before?: string;
  /** C++ inserted right after the anchor. */
  readonly after?: string;
}

/** One change to the addon sources: all its edits apply, or none. */
export interface BindingPatch {
  /** Short name, recorded with the compiled addon. */
  readonly id: string;
  /** File under `binding/`. */
  readonly file: string;
  /** The insertions, each at its own anchor. */
  readonly edits: readonly BindingEdit[];
}

/** A `case` of the addon's attribute switch that first handles an array value with `setList`. */
function listCase(caseLabel: string, id: string, readElement: string, setList: string): BindingPatch {
  return {
    id,
    file: 'tfjs_backend.cc',
    edits: [
      {
        anchor: `    case ${caseLabel}: {\n`,
        after: [
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
      },
    ],
  };
}

/** Id of the patch that blocks asynchronous signals on the calling thread while an op runs. */
export const SIGNALS_BLOCKED_PATCH = 'signals-blocked-during-ops';

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
  {
    id: SIGNALS_BLOCKED_PATCH,
    file: 'tfjs_backend.cc',
    edits: [
      { anchor: '#include <algorithm>\n', after: '#include <csignal>\n#include <pthread.h>\n' },
      {
        anchor: '  TFE_Execute(tfe_op.op, result_handles.data(), &size, tf_status.status);\n',
        before: [
          '  // rfm.js: no asynchronous signal is handled on this thread while TensorFlow runs the op.',
          '  sigset_t rfm_async_signals, rfm_previous_mask;',
          '  sigfillset(&rfm_async_signals);',
          '  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&rfm_async_signals, fault);',
          '  pthread_sigmask(SIG_BLOCK, &rfm_async_signals, &rfm_previous_mask);',
          '',
        ].join('\n'),
        after: '  pthread_sigmask(SIG_SETMASK, &rfm_previous_mask, nullptr);\n',
      },
    ],
  },
];

/**
 * Names the set of patches: a cached addon compiled with another set is compiled again, and
 * `buildNative` rebuilds an installed addon that an earlier rfm.js compiled with another set.
 */
export const BINDING_PATCH_SET = `rfm-binding-patches-2:${BINDING_PATCHES.map((p) => p.id).join(',')}`;

/** What {@link applyBindingPatches} did. */
export interface BindingPatchResult {
  /** Ids of the patches inserted. */
  readonly applied: readonly string[];
  /** Ids of the patches whose anchor was missing or not unique, with why. */
  readonly skipped: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

/** The text an edit turns its anchor into. */
function edited(edit: BindingEdit): string {
  return (edit.before ?? '') + edit.anchor + (edit.after ?? '');
}

/** Why `edit` cannot apply to `source`, or null when it can. */
function editProblem(source: string, edit: BindingEdit, file: string): string | null {
  const at = source.indexOf(edit.anchor);
  if (at < 0) return `anchor not found in ${file}`;
  if (source.indexOf(edit.anchor, at + 1) >= 0) return `anchor occurs more than once in ${file}`;
  return null;
}

/**
 * Inserts {@link BINDING_PATCHES} into the addon sources under `bindingDir` (a temporary copy:
 * the files are rewritten in place). A patch with an anchor that is missing or occurs more than
 * once is skipped whole, not guessed; so is one already there.
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
    let source = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (source === null) {
      skipped.push({ id: patch.id, reason: `${patch.file} not found` });
      continue;
    }
    if (patch.edits.every((e) => source!.includes(edited(e)))) {
      skipped.push({ id: patch.id, reason: `already in ${patch.file}` });
      continue;
    }
    const problem = patch.edits.map((e) => editProblem(source!, e, patch.file)).find((p) => p !== null);
    if (problem) {
      skipped.push({ id: patch.id, reason: problem });
      continue;
    }
    for (const e of patch.edits) source = source.replace(e.anchor, () => edited(e));
    fs.writeFileSync(file, source);
    applied.push(patch.id);
  }
  return { applied, skipped };
}
