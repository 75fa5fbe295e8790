/**
 * Frees memory during the backward pass. TensorFlow.js keeps every tensor saved for the backward
 * pass and the gradient of every intermediate tensor until the whole backward pass ends, so a
 * training step's peak is about the forward activations plus all their gradients. Once the
 * backward pass has gone through a node, neither its saved tensors nor the gradients of its
 * outputs are read again; {@link releaseDuringBackward} disposes them as soon as the next node
 * starts, so the peak falls to roughly the activations alone (the tensors still ahead of the
 * backward pass). Results are unchanged: the same kernels run on the same values.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** The parts of a tfjs tape node this module touches. */
interface TapeNode {
  readonly outputs: readonly tf.Tensor[];
  readonly saved?: readonly tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

/** The parts of the tfjs engine state this module reads. */
interface EngineState {
  readonly activeTape: TapeNode[] | null;
  readonly gradientDepth: number;
}

/** Tensors of the node processed last, released when the backward pass moves on. */
interface Pending {
  readonly tensors: tf.Tensor[];
}

/**
 * Call at the end of the function given to `tf.variableGrads`, `tf.grad` or
 * `optimizer.minimize`, with the value it returns (the tape is complete then): the backward pass
 * of that first-order gradient will free each node's saved tensors and output gradients as soon
 * as it has passed the node. A no-op outside a first-order gradient computation.
 *
 * @param y - the value the function returns (its gradient, the seed of the backward pass, is kept)
 * @returns `y`
 * @example
 * ```ts
 * const { grads } = tf.variableGrads(() => releaseDuringBackward(loss(model.apply(x, true))));
 * ```
 */
export function releaseDuringBackward<T extends tf.Tensor>(y: T): T {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  // Depth 1: inside the forward pass of a first-order gradient (higher orders re-read the tape).
  if (state.gradientDepth !== 1 || state.activeTape === null) return y;
  let pending: Pending | null = null;
  const release = (): void => {
    if (pending !== null) tf.dispose(pending.tensors);
    pending = null;
  };
  for (const node of state.activeTape) {
    const original = node.gradient;
    if (original === undefined || (node as { released?: boolean }).released) continue;
    (node as { released?: boolean }).released = true;
    const producesY = node.outputs.some((o) => o === y);
    node.gradient = (dys) => {
      // The backward pass calls nodes one after another, each input gradient right after its
      // node: entering this node means the previous one is finished.
      release();
      const grads = original(dys);
      // Read after the gradient function: a tensor dropped in the forward pass is rebuilt into `saved` there (`dropRebuildable`).
      const saved = [...(node.saved ?? [])];
      const owned = [...saved, ...(producesY ? [] : dys.filter((d): d is tf.Tensor => d !== null))];
      const returned = new Set<tf.Tensor>();
      const wrapped: Record<string, () => tf.Tensor> = {};
      for (const [name, thunk] of Object.entries(grads)) {
        // A gradient that is one of the tensors about to be freed, or that this node already
        // returned for another input, gets its own handle.
        wrapped[name] = () => {
          const dx = thunk();
          const out = owned.includes(dx) || returned.has(dx) ? tf.clone(dx) : dx;
          returned.add(out);
          return out;
        };
      }
      pending = { tensors: owned };
      return wrapped;
    };
  }
  return y;
}
