/**
 * Library messages name library options (`resume: true`, `wheel`, `buildNative()`); the CLI shows
 * its own flags and commands instead. One table of the phrases to translate, applied to every
 * message the CLI prints from a library (errors, backend summaries).
 *
 * @packageDocumentation
 */

/** Library phrase → CLI phrase. */
export const CLI_WORDING: readonly (readonly [string, string])[] = [
  ['buildNative() of @rfm/native-build', 'pnpm rfm backend build-native'],
  ['`buildNative()`', '`pnpm rfm backend build-native`'],
  ['run buildNative() again', 'run build-native again'],
  ['`resume: true`', '--resume'],
  ['a smaller micro-batch (microBatch)', 'a smaller --micro-batch'],
  ['or the tensorflow backend', 'or --backend tensorflow'],
  ['use the tensorflow backend', 'use --backend tensorflow'],
  ['the same backbone options', 'the same --backbone/--size options'],
  ["`wheel: 'tensorflow_cpu-2.21.0-...whl'`", '`--wheel tensorflow_cpu-2.21.0-...whl`'],
  ['as `archive`', 'with --archive'],
  ['(`archive`)', '(`--archive`)'],
  ['(`gpu: false`)', '(`build-native` without --gpu)'],
  ['(try threads: 1)', '(try --wasm-threads 1)'],
  ['since tensorflowThreads applies', 'since --tf-threads applies'],
  ["or pass onBadImage: 'skip' to skip bad files", 'or pass --skip-bad-images to skip unreadable images'],
];

/**
 * Rewrites library wording into CLI wording.
 *
 * @param text - a message from a library
 * @example
 * ```ts
 * cliWording('No checkpoint at runs/a/checkpoint; start the run without `resume: true` first.');
 * // 'No checkpoint at runs/a/checkpoint; start the run without --resume first.'
 * ```
 */
export function cliWording(text: string): string {
  let out = text;
  for (const [library, cli] of CLI_WORDING) out = out.split(library).join(cli);
  return out;
}
