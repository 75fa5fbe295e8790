/**
 * Seeded weight initialisers equivalent to PyTorch's defaults (or Keras' glorot-uniform).
 *
 * PyTorch initialises `Conv2d` and `Linear` weights with kaiming-uniform (a = sqrt(5)), which is
 * U(±1/sqrt(fan_in)) with fan_in = C_in / groups · k², and their biases with U(±1/sqrt(fan_in));
 * batch norm starts at γ = 1, β = 0 (RFM reference spec §2.4 and §4.4).
 *
 * @packageDocumentation
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { Rng } from '@rfm/core';
import type { InitScheme } from './option-checks.js';

/** A tfjs-layers initializer. */
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** Initialisers for each kind of weight, every call drawing a fresh seed from the run's {@link Rng}. */
export interface WeightInit {
  /** Kernel of a full (groups = 1) convolution, pointwise convolution or dense layer. */
  kernel(): Initializer;
  /** Depthwise kernel `[k, k, C, 1]` of a separable convolution with window side `k`. */
  depthwise(k: number): Initializer;
  /** Bias of a layer whose kernel has `fanIn` inputs per output. */
  bias(fanIn: number): Initializer;
}

/**
 * Builds the initialisers of a scheme. Each call consumes one `rng.uint32()` seed (none for Keras'
 * zero biases), so the same seed and the same architecture give the same weights.
 *
 * - `pytorch`: kernels `varianceScaling({ scale: 1/3, mode: 'fanIn', distribution: 'uniform' })`
 *   = U(±1/sqrt(fan_in)); depthwise U(±1/k) (PyTorch's fan_in of a depthwise kernel is k², tfjs'
 *   would be k²·C); biases U(±1/sqrt(fan_in)).
 * - `keras`: `glorotUniform` kernels (depthwise included, as Keras does) and zero biases.
 *
 * @param scheme - initialisation scheme
 * @param rng - seeds every initializer
 */
export function createWeightInit(scheme: InitScheme, rng: Rng): WeightInit {
  if (scheme === 'keras') {
    return {
      kernel: () => tfl.initializers.glorotUniform({ seed: rng.uint32() }),
      depthwise: () => tfl.initializers.glorotUniform({ seed: rng.uint32() }),
      bias: () => tfl.initializers.zeros(),
    };
  }
  return {
    kernel: () => tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: rng.uint32() }),
    depthwise: (k) => tfl.initializers.randomUniform({ minval: -1 / k, maxval: 1 / k, seed: rng.uint32() }),
    bias: (fanIn) => {
      const bound = 1 / Math.sqrt(Math.max(1, fanIn));
      return tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.uint32() });
    },
  };
}
