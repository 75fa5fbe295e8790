/**
 * Where the time of a computation goes, per kernel, with nested kernel calls separated from their
 * parents (tfjs' `tf.profile` lists both and reports inclusive times).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** Time spent in one kernel name. */
export interface KernelTime {
  /** Kernel name, e.g. `Conv2DBackpropFilter`. */
  readonly name: string;
  /** Number of calls (at any nesting depth). */
  readonly calls: number;
  /** Time including the kernels it called, ms. */
  readonly inclusiveMs: number;
  /** Time excluding the kernels it called, ms (these add up to the total). */
  readonly exclusiveMs: number;
}

/** Result of {@link profileKernels}. */
export interface KernelProfile {
  /** Sum of exclusive kernel times, ms. */
  readonly kernelMs: number;
  /** Wall time of the profiled function, ms (includes profiling overhead). */
  readonly wallMs: number;
  /** Kernel calls, all depths. */
  readonly calls: number;
  /** Per kernel name, largest exclusive time first. */
  readonly kernels: readonly KernelTime[];
}

interface ProfileState {
  kernelDepth: number;
  activeProfile: { kernels: unknown[] };
}

/**
 * Runs `fn` under `tf.profile` and attributes the time to kernels. Exclusive times subtract the
 * kernels a composite kernel runs inside itself (such as the wasm training kernels).
 *
 * @param fn - the computation; it must dispose the tensors it creates
 * @example
 * ```ts
 * const p = await profileKernels(() => { tf.dispose(optimizer.minimize(loss, true)); });
 * for (const k of p.kernels.slice(0, 10)) console.log(k.name, k.exclusiveMs.toFixed(1));
 * ```
 */
export async function profileKernels(fn: () => void | Promise<void>): Promise<KernelProfile> {
  const state = (tf.engine() as unknown as { state: ProfileState }).state;
  const depths: number[] = [];
  const start = performance.now();
  let wallMs = 0;
  const info = await tf.profile(async () => {
    const list = state.activeProfile.kernels;
    // Record the nesting depth of each entry as the engine pushes it (after the kernel returned,
    // so the depth is that of the caller: 0 for top-level kernels).
    list.push = (...items: unknown[]): number => {
      for (let i = 0; i < items.length; i++) depths.push(state.kernelDepth);
      return Array.prototype.push.apply(list, items);
    };
    await fn();
    wallMs = performance.now() - start;
  });
  const byName = new Map<string, { calls: number; inclusiveMs: number; exclusiveMs: number }>();
  const childSum: number[] = [];
  info.kernels.forEach((k, i) => {
    const d = depths[i] ?? 0;
    const t = k.kernelTimeMs as number;
    const exclusive = t - (childSum[d + 1] ?? 0);
    childSum[d + 1] = 0;
    childSum[d] = (childSum[d] ?? 0) + t;
    const e = byName.get(k.name) ?? { calls: 0, inclusiveMs: 0, exclusiveMs: 0 };
    e.calls += 1;
    e.inclusiveMs += t;
    e.exclusiveMs += exclusive;
    byName.set(k.name, e);
  });
  const kernels = [...byName.entries()]
    .map(([name, e]) => ({ name, ...e }))
    .sort((a, b) => b.exclusiveMs - a.exclusiveMs);
  return { kernelMs: kernels.reduce((s, k) => s + k.exclusiveMs, 0), wallMs, calls: info.kernels.length, kernels };
}
