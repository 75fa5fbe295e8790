/**
 * Notice of a compiled pass that runs eagerly instead ({@link runCompiledPass}): the results are
 * the same, only slower, so the pass goes on; a listener lets an application say so.
 *
 * @packageDocumentation
 */
import { firstErrorLine } from './errors.js';

/** A compiled pass that fell back to eager runs. */
export interface CompiledPassFallback {
  /** The pass' name, as given to `runCompiledPass` (`fam|max`, `forward|logits`). */
  readonly pass: string;
  /** The backend that runs it. */
  readonly backend: string;
  /** Its inputs' dtypes and shapes (`float32[16,128,128,3]`). */
  readonly inputs: string;
  /**
   * `compile`: its graph could not be built, so these inputs stay eager. `run`: a compiled graph
   * failed to run; it was dropped and is compiled anew after more eager runs.
   */
  readonly stage: 'compile' | 'run';
  /** Why, in one line. */
  readonly reason: string;
}

/** Called on every fallback. */
export type CompiledPassFallbackListener = (fallback: CompiledPassFallback) => void;

const listeners = new Set<CompiledPassFallbackListener>();

/**
 * Calls `listener` whenever a compiled pass falls back to eager runs.
 *
 * @param listener - receives each fallback
 * @returns a function that removes the listener
 * @example
 * ```ts
 * const stop = onCompiledPassFallback((f) => console.warn(describeCompiledPassFallback(f)));
 * // ... later
 * stop();
 * ```
 */
export function onCompiledPassFallback(listener: CompiledPassFallbackListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Tells the listeners of a fallback ({@link onCompiledPassFallback}).
 *
 * @param fallback - the pass, backend, inputs and stage
 * @param error - what the compiler or the graph threw
 */
export function reportCompiledPassFallback(fallback: Omit<CompiledPassFallback, 'reason'>, error: unknown): void {
  if (listeners.size === 0) return;
  const event: CompiledPassFallback = { ...fallback, reason: firstErrorLine(error) };
  for (const listener of listeners) listener(event);
}

/**
 * One sentence for a fallback, for a log or a terminal.
 *
 * @param f - the fallback
 * @example
 * ```ts
 * describeCompiledPassFallback(f);
 * // the pass "fam|max" on tensorflow runs eagerly for float32[16,128,128,3]: its graph could not be
 * // compiled (…); the results are the same, only slower
 * ```
 */
export function describeCompiledPassFallback(f: CompiledPassFallback): string {
  const what = f.stage === 'compile' ? 'its graph could not be compiled' : 'its graph failed to run and was dropped';
  return `the pass "${f.pass}" on ${f.backend} runs eagerly for ${f.inputs}: ${what} (${f.reason}); the results are the same, only slower`;
}
