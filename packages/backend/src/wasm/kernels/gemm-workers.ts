/**
 * More threads for the heap GEMM ({@link heapGemm}) on the threaded wasm build in Node. The
 * threaded build's heap is a shared `WebAssembly.Memory`, so Node worker threads can instantiate
 * the GEMM module on the same heap and compute some of the rows of C while the calling thread
 * computes the others. Each worker waits on its own control block (`Atomics.wait`), runs the GEMM
 * it is given and reports back; the calling thread blocks until all have, so a kernel stays
 * synchronous. Workers are unreferenced: they never keep a process alive.
 *
 * @packageDocumentation
 */
import { BackendUnavailableError } from '../../errors.js';
import { nodeBuiltin } from '../node-builtin.js';

/** Arguments of the GEMM module's `gemm` export, in order. */
export type GemmArguments = readonly [a: number, b: number, c: number, m: number, k: number, n: number, rowStride: number, stepStride: number, bias: number, relu: number, scratch: number];

/**
 * Control block: [sequence number (-1: stop), finished sequence number (-1: the worker could not
 * start), failed (0/1), the GEMM's 11 arguments].
 */
const CONTROL_INTS = 3 + 11;

/** The worker's source (CommonJS, evaluated by `new Worker(…, { eval: true })`). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const control = new Int32Array(workerData.control);
function serve(gemm) {
  let seen = 0;
  for (;;) {
    Atomics.wait(control, 0, seen);
    seen = Atomics.load(control, 0);
    if (seen < 0) return;
    let failed = 0;
    try {
      gemm(...control.subarray(3, 14));
    } catch {
      failed = 1;
    }
    Atomics.store(control, 2, failed);
    Atomics.store(control, 1, seen);
    Atomics.notify(control, 1);
  }
}
let gemm = null;
try {
  gemm = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), { env: { memory: workerData.memory } }).exports.gemm;
} catch {
  Atomics.store(control, 2, 1);
  Atomics.store(control, 1, -1);
  Atomics.notify(control, 1);
}
if (gemm !== null) serve(gemm);
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}

type WorkerConstructor = new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;

/** One worker and its control block. */
interface GemmWorker {
  readonly worker: NodeWorker;
  readonly control: Int32Array;
  sequence: number;
}

/** Worker threads that run the GEMM module on one shared heap. */
export class GemmWorkers {
  private readonly workers: GemmWorker[];

  private constructor(workers: GemmWorker[]) {
    this.workers = workers;
  }

  /**
   * Starts `count` workers on `memory`, or returns null outside Node.
   *
   * @param count - worker threads (the calling thread computes too)
   * @param memory - the shared heap
   * @param bytes - the GEMM module importing a shared memory
   */
  static start(count: number, memory: WebAssembly.Memory, bytes: Uint8Array): GemmWorkers | null {
    const Worker = nodeBuiltin<{ Worker?: WorkerConstructor }>('node:worker_threads')?.Worker;
    if (Worker === undefined || count < 1) return null;
    const workers = Array.from({ length: count }, (): GemmWorker => {
      const control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { control: control.buffer, memory, bytes } });
      worker.unref();
      return { worker, control, sequence: 0 };
    });
    return new GemmWorkers(workers);
  }

  /** Threads that compute a GEMM: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `parts[0]` on the calling thread (`run`) and each further part on a worker, and returns
   * when all are done.
   *
   * @param parts - one argument list per thread (at most {@link threads})
   * @param run - the calling thread's GEMM
   * @throws BackendUnavailableError when a worker's GEMM failed or the worker could not start
   */
  run(parts: readonly GemmArguments[], run: (...args: GemmArguments) => void): void {
    const busy = this.workers.slice(0, parts.length - 1);
    busy.forEach((w, i) => {
      w.control.set(parts[i + 1]!, 3);
      w.sequence += 1;
      Atomics.store(w.control, 0, w.sequence);
      Atomics.notify(w.control, 0);
    });
    run(...parts[0]!);
    let failed = false;
    for (const w of busy) {
      for (let done = Atomics.load(w.control, 1); done !== w.sequence && done !== -1; done = Atomics.load(w.control, 1)) Atomics.wait(w.control, 1, done);
      failed ||= Atomics.load(w.control, 2) !== 0;
    }
    if (failed) throw new BackendUnavailableError('wasm', 'a GEMM worker thread failed; start the backend with threads: 1');
  }

  /** Stops the workers. */
  async stop(): Promise<void> {
    for (const w of this.workers) {
      Atomics.store(w.control, 0, -1);
      Atomics.notify(w.control, 0);
    }
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
