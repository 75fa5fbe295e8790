/**
 * Options of {@link initBackend}.
 *
 * @packageDocumentation
 */
import { definedOptions, requireOption, silentLogger, type Logger } from '@rfm/core';
import type { BackendName } from './errors.js';

/** What to start: a named backend, or `auto` (tensorflow, then wasm, then cpu). */
export type BackendChoice = 'auto' | BackendName;

/** The accepted {@link BackendChoice} values. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Loads a module by specifier, like `import()`. Tests inject a fake one. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Modules tried in order for the `tensorflow` backend; the first that loads and registers a
   * `tensorflow` backend wins.
   * @default ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']
   */
  readonly nativeModules?: readonly string[];
  /**
   * Loads the native modules. The specifier is never a literal in the source, so neither tsc nor a
   * bundler needs the optional packages.
   * @default (specifier) => import(specifier)
   */
  readonly importer?: ModuleImporter;
  /**
   * Register the wasm training kernels ({@link registerWasmTrainingKernels}) when wasm starts.
   * @default true
   */
  readonly trainingKernels?: boolean;
  /**
   * XNNPACK threads of the wasm backend. 1 uses the single-threaded SIMD build; more uses the
   * threaded build through a shim (see `wasm-threads.ts`), and the process must then end with
   * `process.exit()` (worker threads keep it alive). Only the first wasm initialisation counts.
   * @default 1
   */
  readonly threads?: number;
  /**
   * When the threaded wasm module cannot start with `threads` > 1, start the single-threaded one
   * instead of failing (the report's detail then says why): for a thread count a program suggests
   * rather than one its user asked for.
   * @default false
   */
  readonly threadsFallback?: boolean;
  /**
   * Intra-op threads of native TensorFlow (its `TF_NUM_INTRAOP_THREADS`), applied when the addon
   * first loads in this process. On a 2-core machine one thread made an Xception w0.25 training
   * step at 128 px 1.2-1.7x faster (every kernel call then runs on the calling thread, with no
   * hand-off to a second one), and a full Xception step at 224 px 1.3-2.1x slower; see
   * `docs/memory-and-speed.md`.
   * @default TF_NUM_INTRAOP_THREADS from the environment, else TensorFlow's own (one per core)
   */
  readonly tensorflowThreads?: number;
  /**
   * Directory holding `tfjs-backend-wasm*.wasm`.
   * @default the `dist/` folder of the installed `@tensorflow/tfjs-backend-wasm`
   */
  readonly wasmDir?: string;
  /**
   * Receives one line for the chosen backend and one per skipped backend.
   * @default silentLogger
   */
  readonly logger?: Logger;
}

/** Resolved {@link InitBackendOptions}; `wasmDir` stays optional (found at run time). */
export interface ResolvedInitBackendOptions {
  readonly nativeModules: readonly string[];
  readonly importer: ModuleImporter;
  readonly trainingKernels: boolean;
  readonly threads: number;
  readonly threadsFallback: boolean;
  readonly tensorflowThreads: number | undefined;
  readonly wasmDir: string | undefined;
  readonly logger: Logger;
}

/** Defaults of {@link InitBackendOptions}. */
export const INIT_BACKEND_DEFAULTS: ResolvedInitBackendOptions = {
  nativeModules: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  importer: (specifier) => import(specifier),
  trainingKernels: true,
  threads: 1,
  threadsFallback: false,
  tensorflowThreads: undefined,
  wasmDir: undefined,
  logger: silentLogger,
};

/**
 * Validates a backend choice and fills in option defaults.
 *
 * @param choice - the requested backend
 * @param options - user options
 * @throws InvalidOptionError for an unknown choice or an empty module list
 */
export function resolveInitBackendOptions(choice: string, options: InitBackendOptions = {}): ResolvedInitBackendOptions {
  requireOption((BACKEND_CHOICES as readonly string[]).includes(choice), 'backend', choice, `one of ${BACKEND_CHOICES.join(', ')}`);
  const resolved = { ...INIT_BACKEND_DEFAULTS, ...definedOptions(options) };
  requireOption(resolved.nativeModules.length > 0, 'nativeModules', resolved.nativeModules, 'at least one module name');
  requireOption(Number.isInteger(resolved.threads) && resolved.threads >= 1 && resolved.threads <= 64, 'threads', resolved.threads, 'an integer in [1, 64]');
  const tfThreads = resolved.tensorflowThreads;
  requireOption(tfThreads === undefined || (Number.isInteger(tfThreads) && tfThreads >= 1 && tfThreads <= 64), 'tensorflowThreads', tfThreads, 'an integer in [1, 64]');
  return resolved;
}
