import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { InvalidOptionError } from '@rfm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError } from './errors.js';
import { BUILD_NATIVE_COMMAND, classifyNativeError, initBackend, listBackends } from './init-backend.js';
import { WASM_TRAINING_KERNELS } from './wasm/wasm-training-kernels.js';

const GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';

/** What an un-built tfjs-node throws (its message, shortened). */
const notBuilt = (module: string): Error =>
  new Error(`The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/${module}/lib/napi-v8/tfjs_binding.node.`);

/** A fake native module: registering a `tensorflow` backend is what importing tfjs-node does. */
function fakeNative(): void {
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
}

function recordingImporter(behaviour: Record<string, () => void>): { calls: string[]; importer: (s: string) => Promise<unknown> } {
  const calls: string[] = [];
  return {
    calls,
    importer: async (specifier) => {
      calls.push(specifier);
      const b = behaviour[specifier];
      if (b === undefined) throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      b();
      return {};
    },
  };
}

describe('initBackend', () => {
  afterEach(async () => {
    if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
    for (const k of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(k.kernelName, 'tensorflow');
    await tf.setBackend('cpu');
  });

  it('auto: tries tfjs-node-gpu, then tfjs-node, then falls back to wasm, saying why', async () => {
    const { calls, importer } = recordingImporter({
      [GPU]: () => {
        throw notBuilt('tfjs-node-gpu');
      },
      [NODE]: () => {
        throw notBuilt('tfjs-node');
      },
    });
    const report = await initBackend('auto', { importer });
    expect(calls).toEqual([GPU, NODE]);
    expect(report.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.trainingKernels).toEqual(WASM_TRAINING_KERNELS);
    expect(report.candidates.map((c) => [c.module, c.status])).toEqual([
      [GPU, 'failed'],
      [NODE, 'failed'],
      ['@tensorflow/tfjs-backend-wasm', 'loaded'],
      ['@tensorflow/tfjs-backend-cpu', 'not-tried'],
    ]);
    expect(report.candidates[0]!.reason).toContain(BUILD_NATIVE_COMMAND);
    expect(report.summary).toMatch(/^wasm \(tfjs-node-gpu: native addon not built .*tfjs-node: native addon not built/);
  });

  it('auto: a native module that loads wins; the others are reported as not tried', async () => {
    const { calls, importer } = recordingImporter({
      [GPU]: () => {
        throw notBuilt('tfjs-node-gpu');
      },
      [NODE]: fakeNative,
    });
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn: () => {}, debug: () => {}, child: () => logger };
    const report = await initBackend('auto', { importer, logger });
    expect(calls).toEqual([GPU, NODE]);
    expect(report.backend).toBe('tensorflow');
    expect(report.module).toBe(NODE);
    expect(tf.getBackend()).toBe('tensorflow');
    expect(report.trainingKernels).toEqual([]);
    expect(report.candidates.filter((c) => c.status === 'not-tried').map((c) => c.backend)).toEqual(['wasm', 'cpu']);
    expect(lines[0]).toBe('backend: tensorflow (tfjs-node)');
    expect(lines.some((l) => l.startsWith('skipped tfjs-node-gpu: native addon not built'))).toBe(true);
  });

  it('tensorflowThreads is in the environment when the native module loads, and the report says so', async () => {
    const saved = process.env['TF_NUM_INTRAOP_THREADS'];
    delete process.env['TF_NUM_INTRAOP_THREADS'];
    try {
      const seen: (string | undefined)[] = [];
      const importer = async (): Promise<unknown> => {
        seen.push(process.env['TF_NUM_INTRAOP_THREADS']);
        fakeNative();
        return {};
      };
      const first = await initBackend('tensorflow', { importer, nativeModules: [NODE], tensorflowThreads: 1 });
      expect(seen).toEqual(['1']);
      expect(first.detail).toBe('native TensorFlow addon loaded (1 intra-op thread)');
      expect(first.tensorflowThreads).toBe(1);
      // Loaded already: another count cannot apply, and the reason says which one runs.
      const again = await initBackend('tensorflow', { importer, nativeModules: [NODE], tensorflowThreads: 2 });
      expect(seen).toEqual(['1']);
      expect(again.detail).toBe('already loaded; 1 intra-op thread, since tensorflowThreads applies only when the addon first loads');
      expect(again.tensorflowThreads).toBe(1);
      tf.removeBackend('tensorflow');
      delete process.env['TF_NUM_INTRAOP_THREADS'];
      const unset = await initBackend('tensorflow', { importer, nativeModules: [NODE] });
      expect(seen).toEqual(['1', undefined]);
      expect(unset.detail).toBe("native TensorFlow addon loaded (TensorFlow's default intra-op threads, one per core)");
      expect(unset.tensorflowThreads).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env['TF_NUM_INTRAOP_THREADS'];
      else process.env['TF_NUM_INTRAOP_THREADS'] = saved;
    }
  });

  it("explicit 'tensorflow' that cannot load throws BackendUnavailableError with the build command", async () => {
    const { importer } = recordingImporter({
      [GPU]: () => {
        throw notBuilt('tfjs-node-gpu');
      },
    });
    const error = await initBackend('tensorflow', { importer }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const e = error as BackendUnavailableError;
    expect(e.code).toBe('RFM_BACKEND_UNAVAILABLE');
    expect(e.backend).toBe('tensorflow');
    expect(e.message).toContain(`\`${BUILD_NATIVE_COMMAND}\``);
    expect(e.message).toContain('tfjs-node: @tensorflow/tfjs-node is not installed');
    expect(e.message.split('\n')).toHaveLength(1);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('a failed native import leaves no kernels registered for "tensorflow"', async () => {
    const importer = async (): Promise<unknown> => {
      tf.registerKernel({ kernelName: 'FakeKernel', backendName: 'tensorflow', kernelFunc: () => ({ dataId: {}, shape: [], dtype: 'float32' }) });
      throw notBuilt('tfjs-node');
    };
    await expect(initBackend('tensorflow', { importer, nativeModules: [NODE] })).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(tf.getKernelsForBackend('tensorflow')).toEqual([]);
  });

  it('a module that loads but registers no backend is a failure', async () => {
    const { importer } = recordingImporter({ [NODE]: () => {} });
    const error = (await initBackend('tensorflow', { importer, nativeModules: [NODE] }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toContain('registered no "tensorflow" backend');
  });

  it("explicit 'cpu' and 'wasm' report the other backends as not requested", async () => {
    const { calls, importer } = recordingImporter({});
    const cpu = await initBackend('cpu', { importer });
    expect(cpu.backend).toBe('cpu');
    expect(calls).toEqual([]);
    expect(cpu.candidates.filter((c) => c.status === 'not-tried').every((c) => c.reason.startsWith('not requested'))).toBe(true);
    const wasm = await initBackend('wasm', { importer });
    expect(wasm.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(calls).toEqual([]);
  });

  it('rejects an unknown choice and an empty module list with InvalidOptionError', async () => {
    await expect(initBackend('gpu' as 'cpu')).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(initBackend('auto', { nativeModules: [] })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(initBackend('wasm', { threads: 0 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(initBackend('wasm', { threads: 1.5 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(initBackend('tensorflow', { tensorflowThreads: 0 })).rejects.toThrow(/tensorflowThreads/);
    await expect(initBackend('tensorflow', { tensorflowThreads: 2.5 })).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('classifies native load errors with the fix', () => {
    expect(classifyNativeError(NODE, notBuilt('tfjs-node'))).toBe(`native addon not built (run \`${BUILD_NATIVE_COMMAND}\`)`);
    expect(classifyNativeError(GPU, Object.assign(new Error('x'), { code: 'ERR_MODULE_NOT_FOUND' }))).toContain('is not installed');
    expect(classifyNativeError(GPU, new Error("libcudart.so.11.0: cannot open shared object file"))).toMatch(/^CUDA libraries missing/);
    expect(classifyNativeError(NODE, new Error('boom\nstack'))).toBe(`failed to load (boom; run \`${BUILD_NATIVE_COMMAND}\`)`);
  });

  it('lists the backends in the order auto tries them', () => {
    expect(listBackends()).toEqual([
      { backend: 'tensorflow', modules: [GPU, NODE] },
      { backend: 'wasm', modules: ['@tensorflow/tfjs-backend-wasm'] },
      { backend: 'cpu', modules: ['@tensorflow/tfjs-backend-cpu'] },
    ]);
  });
});
