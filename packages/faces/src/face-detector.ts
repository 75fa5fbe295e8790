/**
 * Face detection and 68-point landmarks with `@vladmandic/face-api`, weights read from the files
 * inside its npm package, on the active TensorFlow.js backend.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { errorMessage, requireOption } from '@rfm/core';
import type { DecodedImage } from '@rfm/data';
import { FaceModelError } from './errors.js';
import { faceApiModelDir, loadFaceApi, type FaceApiModule } from './face-api-module.js';

/** A point `[x, y]` in pixels (origin top left, x to the right, y down). */
export type Point = readonly [number, number];

/** An axis-aligned box in pixels. */
export interface FaceBox {
  /** Left edge. */
  readonly x: number;
  /** Top edge. */
  readonly y: number;
  /** Width. */
  readonly width: number;
  /** Height. */
  readonly height: number;
}

/** One detected face in the source image's pixel coordinates. */
export interface DetectedFace {
  /** Detector box. */
  readonly box: FaceBox;
  /** Detector confidence in [0, 1]. */
  readonly score: number;
  /** The 68 iBUG landmarks (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67). */
  readonly landmarks: readonly Point[];
}

/** Which detector network: the tiny YOLO-style detector (fast) or SSD MobileNet v1 (more robust). */
export type DetectorName = 'tiny' | 'ssd';

/** Options of {@link FaceDetector.create}. */
export interface FaceDetectorOptions {
  /**
   * Detector network. `tiny` (at 224) prepares 480x270 video at 8.5 frames per CPU-second on wasm,
   * `ssd` at 1.7; `ssd` places the eyes 0.13 px closer on 675 px portraits (see the package README).
   * @default 'tiny'
   */
  readonly detector?: DetectorName;
  /**
   * Minimum detector confidence.
   * @default 0.5
   */
  readonly minConfidence?: number;
  /**
   * Input size of the tiny detector (a multiple of 32). The frame is scaled to it: 224 suits faces
   * that fill a fifth or more of the frame (portraits, head-and-shoulders video, the usual deepfake
   * datasets) and is the fastest; on the 102 London portraits it found every face, 320 missed 16
   * and 416 missed 3. For small or distant faces use `detector: 'ssd'` (the tiny detector found
   * none of the walking people of the sample clip at 224, 416 or 608; SSD found them in 12 of 12
   * frames).
   * @default 224
   */
  readonly inputSize?: number;
  /** Folder of face-api's weight files. @default the `model/` folder inside `@vladmandic/face-api` */
  readonly modelDir?: string;
}

/** Options with every default filled in. */
export type ResolvedFaceDetectorOptions = Required<FaceDetectorOptions>;

/** Defaults of {@link FaceDetectorOptions} (`modelDir` is resolved at run time). */
export const FACE_DETECTOR_DEFAULTS: Omit<ResolvedFaceDetectorOptions, 'modelDir'> = { detector: 'tiny', minConfidence: 0.5, inputSize: 224 };

/**
 * Validates detector options.
 *
 * @param options - user options
 * @throws `InvalidOptionError` naming the bad option
 */
export function resolveFaceDetectorOptions(options: FaceDetectorOptions = {}): ResolvedFaceDetectorOptions {
  const o = { ...FACE_DETECTOR_DEFAULTS, modelDir: options.modelDir ?? '', ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  requireOption(o.detector === 'tiny' || o.detector === 'ssd', 'detector', o.detector, "'tiny' or 'ssd'");
  requireOption(typeof o.minConfidence === 'number' && o.minConfidence > 0 && o.minConfidence < 1, 'minConfidence', o.minConfidence, 'a number in (0, 1)');
  requireOption(Number.isInteger(o.inputSize) && o.inputSize >= 128 && o.inputSize % 32 === 0, 'inputSize', o.inputSize, 'a multiple of 32 >= 128');
  return { ...o, modelDir: o.modelDir === '' ? faceApiModelDir() : o.modelDir } as ResolvedFaceDetectorOptions;
}

/**
 * Detects faces and their 68 landmarks. One instance holds the loaded networks (about 6 MB of
 * weights for `ssd`, 0.5 MB for `tiny`, plus 0.35 MB of landmark net); create it once and reuse it.
 *
 * @example
 * ```ts
 * const detector = await FaceDetector.create();            // after initBackend(...)
 * const faces = await detector.detect(await decodeImage('photo.jpg'));
 * ```
 */
export class FaceDetector {
  private constructor(
    private readonly api: FaceApiModule,
    /** The resolved options. */
    readonly options: ResolvedFaceDetectorOptions,
  ) {}

  /**
   * Loads the detector and landmark weights from disk (never from the network).
   *
   * @param options - detector, confidence, input size, weight folder
   * @throws {@link FaceModelError} when the weights cannot be read
   */
  static async create(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
    const o = resolveFaceDetectorOptions(options);
    const api = loadFaceApi();
    const nets = o.detector === 'tiny' ? ['tinyFaceDetector', 'faceLandmark68Net'] : ['ssdMobilenetv1', 'faceLandmark68Net'];
    for (const name of nets) {
      const net = api.nets[name]!;
      if (net.isLoaded) continue;
      try {
        await net.loadFromDisk(o.modelDir);
      } catch (e) {
        throw new FaceModelError(`cannot load the ${name} weights from ${o.modelDir} (${errorMessage(e)}); reinstall @vladmandic/face-api.`, { cause: e });
      }
    }
    return new FaceDetector(api, o);
  }

  /**
   * Every face of an image, largest first, with its landmarks.
   *
   * @param image - 8-bit RGB pixels
   * @returns the faces (empty when there is none); no tensor is left allocated
   */
  async detect(image: DecodedImage): Promise<DetectedFace[]> {
    const o = this.options;
    const detectorOptions =
      o.detector === 'tiny'
        ? new this.api.TinyFaceDetectorOptions({ inputSize: o.inputSize, scoreThreshold: o.minConfidence })
        : new this.api.SsdMobilenetv1Options({ minConfidence: o.minConfidence });
    const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const results = await this.api.detectAllFaces(input, detectorOptions).withFaceLandmarks();
      return results
        .map((r) => {
          const b = r.detection.box;
          return {
            box: { x: b.x, y: b.y, width: b.width, height: b.height },
            score: r.detection.score,
            landmarks: r.landmarks.positions.map((p) => [p.x, p.y] as const),
          };
        })
        .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    } finally {
      input.dispose();
    }
  }
}
