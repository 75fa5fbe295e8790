/**
 * Training batches from real faces alone: every real is paired with a self-blended fake made from
 * it on the fly, seeded through the injected generator.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, requireOption, type Batch, type BatchSource, type Rng, type RngState, type RunLog } from '@rfm/core';
import {
  normalizationTable,
  resolveTransformOptions,
  sampleTrainParams,
  writeTransformed,
  type DatasetItem,
  type ImageStore,
  type ResolvedTransformOptions,
  type TransformOptions,
} from '@rfm/data';
import type { LandmarkCache } from './landmark-cache.js';
import { selfBlend, type SelfBlendOptions, type SelfBlendParams } from './self-blend.js';

/** Technique name of self-blended fakes (in batches, score files and manifests). */
export const SBI_TECHNIQUE = 'sbi';

/** Default of {@link SbiSourceOptions.logEvery}: every 10th batch, as the trainer's step records. */
export const SYNTHESIS_LOG_EVERY = 10;

/** Options of {@link SbiBatchSource}. */
export interface SbiSourceOptions extends SelfBlendOptions {
  /** Reals per batch; each brings its own fake, so a batch holds twice as many images. @default 8 */
  readonly pairsPerBatch?: number;
  /** Resize, crop, flip, normalisation (the store's size must be `transform.resize`). */
  readonly transform?: TransformOptions;
  /** Receives a `synthesis` record with every image's parameters for every {@link logEvery}-th batch. */
  readonly runLog?: RunLog;
  /**
   * Batches `0, K, 2K…` are recorded (K = 1: every batch). About 6 KB per batch of 8 pairs, so
   * the default keeps a run log near the size of a run without synthesis; every fake stays
   * reproducible from the seed and the source state. @default {@link SYNTHESIS_LOG_EVERY}
   */
  readonly logEvery?: number;
}

/** Serialisable position of an {@link SbiBatchSource}. */
export interface SbiSourceState {
  /** Format tag. */
  readonly kind: 'rfm-sbi-source';
  /** Format version. */
  readonly version: 1;
  /** Epochs started. */
  readonly epoch: number;
  /** Batches served in the current epoch. */
  readonly position: number;
  /** Generator state before the current epoch's shuffle (`null` before the first epoch). */
  readonly epochRng: RngState | null;
  /** Generator state now. */
  readonly rng: RngState;
  /** Number of reals the state was taken with. */
  readonly nReal: number;
  /** Reals per batch the state was taken with. */
  readonly pairsPerBatch: number;
}

/** One image's record in a batch: its crop/flip and, for fakes, the synthesis parameters. */
export interface SbiImageParams {
  /** The real it was made from. */
  readonly id: string;
  /** 0 real, 1 self-blended fake. */
  readonly label: 0 | 1;
  /** Crop offset and flip (shared by a real and its fake). */
  readonly crop: { readonly top: number; readonly left: number; readonly flip: boolean };
  /** How the fake was made (fakes only). */
  readonly synthesis?: SelfBlendParams;
}

/**
 * Each epoch shuffles the reals (with the injected generator); batch i takes reals
 * `[i·p, (i+1)·p)` and, for each, a fresh self-blended fake of it, sharing its crop and flip:
 * labels `[0…0, 1…1]`, techniques `real` and `sbi`. Only reals with landmarks belong here (see
 * {@link createSbiSources}). All draws for a batch happen synchronously in {@link next}, so the
 * stream is reproducible from the seed and resumable from {@link getState}.
 */
export class SbiBatchSource implements BatchSource {
  /** Resolved transforms. */
  readonly transform: ResolvedTransformOptions;
  /** Reals (and fakes) per batch. */
  readonly pairsPerBatch: number;
  /** Batches per epoch: `ceil(reals / pairsPerBatch)`. */
  readonly batchesPerEpoch: number;
  /** Per-image parameters of the last batch. */
  lastParams: readonly SbiImageParams[] = [];
  /** Where `synthesis` records go (settable once the run log exists). */
  runLog: RunLog | undefined;
  /** Every how many batches a `synthesis` record is written. */
  readonly logEvery: number;
  private readonly lut: Float32Array;
  private order: number[] = [];
  private epochCount = 0;
  private positionInEpoch = 0;
  private epochRng: RngState | null = null;

  /**
   * @param reals - real items that have landmarks in `landmarks`
   * @param store - decoder and cache of size `transform.resize` (the landmark cache's loader)
   * @param landmarks - landmarks of the reals, at the store's size
   * @param rng - the source's own generator
   * @param options - pairs per batch, transforms, synthesis options, run log
   */
  constructor(
    readonly reals: readonly DatasetItem[],
    private readonly store: ImageStore,
    private readonly landmarks: LandmarkCache,
    private readonly rng: Rng,
    private readonly options: SbiSourceOptions = {},
  ) {
    this.transform = resolveTransformOptions(options.transform);
    this.pairsPerBatch = options.pairsPerBatch ?? 8;
    requireOption(Number.isInteger(this.pairsPerBatch) && this.pairsPerBatch >= 1, 'pairsPerBatch', this.pairsPerBatch, 'an integer >= 1');
    requireOption(reals.length > 0, 'reals', reals.length, 'at least one real face with landmarks');
    requireOption(reals.every((r) => r.label === 0), 'reals', 'a fake item', 'real items only (label 0)');
    if (store.size[0] !== this.transform.resize[0] || store.size[1] !== this.transform.resize[1]) {
      throw new InvalidOptionError('store', store.size, `an ImageStore of the transform's resize size ${this.transform.resize.join('x')}`);
    }
    this.batchesPerEpoch = Math.ceil(reals.length / this.pairsPerBatch);
    this.lut = normalizationTable(this.transform.normalization);
    this.runLog = options.runLog;
    this.logEvery = options.logEvery ?? SYNTHESIS_LOG_EVERY;
    requireOption(Number.isInteger(this.logEvery) && this.logEvery >= 1, 'logEvery', this.logEvery, 'an integer >= 1');
  }

  /** The next batch: reals then their fakes. The caller owns (and disposes) the tensors. */
  async next(): Promise<Batch> {
    if (this.epochCount === 0 || this.positionInEpoch >= this.batchesPerEpoch) this.startEpoch();
    const i = this.positionInEpoch++;
    const picked = this.order.slice(i * this.pairsPerBatch, (i + 1) * this.pairsPerBatch).map((k) => this.reals[k]!);
    const crops = picked.map(() => sampleTrainParams(this.rng, this.transform));
    const blendRngs = picked.map(() => this.rng.fork());
    // Counted from the epoch and position, so that a resumed source numbers its batches on.
    const batchIndex = (this.epochCount - 1) * this.batchesPerEpoch + i;
    const images = await Promise.all(picked.map((it) => this.store.load(it)));
    const lms = await Promise.all(picked.map((it) => this.landmarks.landmarks(it)));
    const fakes = images.map((img, k) => {
      const lm = lms[k];
      if (!lm) throw new InvalidOptionError('reals', picked[k]!.id, 'items with detected landmarks (build the source with createSbiSource)');
      return selfBlend(img, lm, blendRngs[k]!, this.options);
    });
    const [h, w] = this.transform.crop;
    const size = h * w * 3;
    const n = picked.length;
    const buffer = new Float32Array(2 * n * size);
    images.forEach((img, b) => writeTransformed(img, crops[b]!, this.transform, this.lut, buffer, b * size));
    fakes.forEach((f, b) => writeTransformed(f.fake, crops[b]!, this.transform, this.lut, buffer, (n + b) * size));
    const params: SbiImageParams[] = [
      ...picked.map((it, b) => ({ id: it.id, label: 0 as const, crop: crops[b]! })),
      ...picked.map((it, b) => ({ id: it.id, label: 1 as const, crop: crops[b]!, synthesis: fakes[b]!.params })),
    ];
    this.lastParams = params;
    if (batchIndex % this.logEvery === 0) this.runLog?.write({ type: 'synthesis', method: SBI_TECHNIQUE, batch: batchIndex, epoch: this.epochCount, perImage: params });
    return {
      images: tf.tensor4d(buffer, [2 * n, h, w, 3], 'float32'),
      labels: tf.tensor1d(Int32Array.from({ length: 2 * n }, (_, k) => (k < n ? 0 : 1)), 'int32'),
      techniques: [...picked.map(() => 'real'), ...picked.map(() => SBI_TECHNIQUE)],
      ids: [...picked.map((it) => it.id), ...picked.map((it) => `${it.id}#${SBI_TECHNIQUE}`)],
    };
  }

  /** The stream's position as plain JSON. */
  getState(): SbiSourceState {
    return {
      kind: 'rfm-sbi-source',
      version: 1,
      epoch: this.epochCount,
      position: this.positionInEpoch,
      epochRng: this.epochRng === null ? null : ([...this.epochRng] as unknown as RngState),
      rng: [...this.rng.getState()] as unknown as RngState,
      nReal: this.reals.length,
      pairsPerBatch: this.pairsPerBatch,
    };
  }

  /**
   * Restores a state from {@link getState} (the epoch's shuffle is replayed).
   *
   * @param state - a state of a source over the same reals and batch size
   * @throws `InvalidOptionError` when it does not fit
   */
  setState(state: unknown): void {
    const s = state as Partial<SbiSourceState> | null;
    if (!s || s.kind !== 'rfm-sbi-source' || s.version !== 1 || !Array.isArray(s.rng)) {
      throw new InvalidOptionError('state', typeof state, 'a state returned by SbiBatchSource.getState()');
    }
    if (s.nReal !== this.reals.length || s.pairsPerBatch !== this.pairsPerBatch) {
      throw new InvalidOptionError('state', `${s.nReal} reals, ${s.pairsPerBatch} per batch`, `a state of a source with ${this.reals.length} reals and ${this.pairsPerBatch} per batch`);
    }
    if (s.epochRng) {
      this.rng.setState(s.epochRng);
      this.shuffle();
    }
    this.rng.setState(s.rng);
    this.epochCount = s.epoch ?? 0;
    this.positionInEpoch = s.position ?? 0;
    this.epochRng = s.epochRng ?? null;
  }

  private startEpoch(): void {
    this.epochRng = [...this.rng.getState()] as unknown as RngState;
    this.shuffle();
    this.epochCount++;
    this.positionInEpoch = 0;
  }

  private shuffle(): void {
    this.order = this.rng.shuffle(Array.from(this.reals, (_, k) => k));
  }
}
