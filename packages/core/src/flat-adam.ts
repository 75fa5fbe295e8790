/**
 * Adam over all weights at once. tfjs' `AdamOptimizer` updates each weight with its own 14 kernel
 * calls (moments, bias correction, square root, update), which for Xception's ~150 weights is
 * about 2,000 small kernel calls per step, half of a width-0.25 training step's calls. This
 * optimizer keeps both moments as one flat vector, concatenates the gradients and the weights,
 * runs the same element-wise formulas once, and splits the result back: up to 3 kernel calls
 * per weight (reshapes in and out, none for vectors; one split shared) plus a dozen. By default
 * the arithmetic is the same operation for operation, so results equal tfjs' Adam; a backend may
 * run the step as one fused kernel instead (flat-adam-moments.ts: bit-identical on wasm, weights
 * within 1e-6 relative on `tensorflow`). Checkpoints keep tfjs' format (`<weight>/m`, `<weight>/v`
 * per weight), so either optimizer can resume the other's run.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { createFlatAdamMoments, type FlatAdamMoments } from './flat-adam-moments.js';
import { concatAsVector, splitToShapes } from './ops/flat-vector.js';

/** tfjs' Adam fields this subclass reads (private in the typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** What `applyGradients` takes: gradients by variable name, or a list of named tensors. */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** A named tensor as optimizers save and restore them (`getWeights` / `setWeights`). */
export interface NamedTensor {
  /** Weight name, e.g. `conv1/kernel/m`. */
  name: string;
  /** Its value. */
  tensor: tf.Tensor;
}

/** The flat state: weight names in order, their shapes, both moments and the backend that holds them. */
interface FlatState {
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  readonly moments: FlatAdamMoments;
  readonly backend: string;
}

/**
 * Adam (same constructor and results as `tf.train.adam`) with one fused update of all weights.
 * `getWeights()` returns new tensors (not the optimizer's variables); dispose those that are not
 * `tf.Variable`s after use.
 */
export class FlatAdamOptimizer extends tf.AdamOptimizer {
  private flat: FlatState | null = null;

  /**
   * Applies the gradients. Falls back to tfjs' per-weight update when a gradient is missing or the
   * set of weights changes between calls.
   *
   * @param variableGradients - gradients by variable name (as `optimizer.minimize` passes them)
   */
  override applyGradients(variableGradients: VariableGradients): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const grads = Array.isArray(variableGradients) ? variableGradients.map((v) => v.tensor) : names.map((n) => (variableGradients as Record<string, tf.Tensor>)[n]!);
    const self = this as unknown as AdamInternals;
    const sameWeights = this.flat === null || (this.flat.names.length === names.length && this.flat.names.every((n, i) => n === names[i]));
    if (grads.some((g) => g == null) || !sameWeights || names.length === 0) {
      this.materialize();
      super.applyGradients(variableGradients);
      return;
    }
    const values = names.map((n) => tf.engine().registeredVariables[n]!);
    const state = this.flatState(names, values);
    tf.tidy(() => {
      const newW = state.moments.step(concatAsVector(values), concatAsVector(grads), self.accBeta1 as tf.Scalar, self.accBeta2 as tf.Scalar, self);
      const parts = splitToShapes(newW, state.shapes);
      values.forEach((value, i) => value.assign(parts[i]!));
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }

  /** The iteration count and both moments per weight, in tfjs Adam's format and order. */
  override async getWeights(): Promise<NamedTensor[]> {
    if (this.flat === null) return super.getWeights();
    const { names, shapes } = this.flat;
    const [m, v] = this.flat.moments.read();
    const split = (flat: tf.Tensor, suffix: string): NamedTensor[] =>
      tf.tidy(() => splitToShapes(flat, shapes)).map((tensor, i) => ({ name: `${names[i]}/${suffix}`, tensor }));
    const iterations = (await super.getWeights())[0]!;
    const weights = [iterations, ...split(m, 'm'), ...split(v, 'v')];
    tf.dispose([m, v]);
    return weights;
  }

  /**
   * Restores the state written by {@link FlatAdamOptimizer.getWeights} or tfjs' Adam.
   *
   * @param weightValues - iteration count, then first moments, then second moments
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    this.disposeFlat();
    await super.setWeights(weightValues);
  }

  /** Releases the moments. */
  override dispose(): void {
    this.disposeFlat();
    super.dispose();
  }

  private flatState(names: readonly string[], values: readonly tf.Variable[]): FlatState {
    if (this.flat !== null && this.flat.backend !== tf.getBackend()) this.materialize();
    if (this.flat !== null) return this.flat;
    const self = this as unknown as AdamInternals;
    const shapes = values.map((v) => v.shape);
    const total = values.reduce((sum, v) => sum + v.size, 0);
    const restored = (list: AdamInternals['accumulatedFirstMoment']): tf.Tensor1D =>
      tf.tidy(() => (list.length === names.length ? concatAsVector(list.map((e) => e.variable)) : tf.zeros([total])));
    const [m, v] = [restored(self.accumulatedFirstMoment), restored(self.accumulatedSecondMoment)];
    const moments = createFlatAdamMoments(m, v);
    tf.dispose([m, v, ...self.accumulatedFirstMoment.map((e) => e.variable), ...self.accumulatedSecondMoment.map((e) => e.variable)]);
    self.accumulatedFirstMoment = [];
    self.accumulatedSecondMoment = [];
    this.flat = { names, shapes, moments, backend: tf.getBackend() };
    return this.flat;
  }

  /** Back to tfjs' per-weight moments (before a per-weight update). */
  private materialize(): void {
    if (this.flat === null) return;
    const self = this as unknown as AdamInternals;
    const { names, shapes } = this.flat;
    const [m, v] = this.flat.moments.read();
    const split = (flat: tf.Tensor, suffix: string) =>
      tf.tidy(() => splitToShapes(flat, shapes).map((part) => tf.variable(part, false))).map((variable, i) => ({ originalName: `${names[i]}/${suffix}`, variable }));
    self.accumulatedFirstMoment = split(m, 'm');
    self.accumulatedSecondMoment = split(v, 'v');
    tf.dispose([m, v]);
    this.disposeFlat();
  }

  private disposeFlat(): void {
    if (this.flat === null) return;
    this.flat.moments.dispose();
    this.flat = null;
  }
}
