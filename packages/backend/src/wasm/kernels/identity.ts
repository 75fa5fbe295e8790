/**
 * `Identity` for wasm without a copy. The engine clones (through `Identity`) every input and output
 * it keeps for the backward pass, ~1,200 times in an Xception training step; wasm's kernel copies
 * the data each time, while the cpu backend shares it and adds a reference, as `Reshape` already
 * does on wasm. Tensors are immutable, so sharing is safe. Strings keep the original kernel.
 * `Cast` to the dtype a tensor already has (`moments`, the `Relu` and `Square` gradients cast
 * float32 to float32) is the same copy on wasm and gets the same treatment.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/**
 * The `Identity` override for wasm.
 *
 * @param original - wasm's own kernel (used for strings)
 */
export function createIdentityConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs['x']!;
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}

/**
 * The `Cast` override for wasm: a cast to the same numeric dtype shares the data.
 *
 * @param original - wasm's own kernel, for real conversions
 */
export function createCastConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Cast,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs['x']!;
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      if (x.dtype !== dtype || dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
