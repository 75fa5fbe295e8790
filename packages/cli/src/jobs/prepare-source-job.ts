/**
 * The `prepare-source` job of `rfm prepare --queue URL`: one photo or video to aligned face crops in
 * its content-addressed folder `OUT/<name>-<hash8>/` (written to a temporary folder, then renamed),
 * so a job that runs twice finds its folder and changes nothing.
 *
 * @packageDocumentation
 */
import { FaceDetector, prepareFaces, type DetectorName } from '@rfm/faces';
import type { JobHandler } from '@rfm/queue';
import { PayloadFields } from './payload-fields.js';
import { ensureWorkerBackend, JOB_BACKENDS } from './worker-backend.js';

/** Kind of the prepare job. */
export const PREPARE_SOURCE_KIND = 'prepare-source';

/** Payload of a `prepare-source` job: `rfm prepare`'s settings for one source. */
export interface PrepareSourcePayload {
  /** The photo or video (absolute path). */
  readonly source: string;
  /** Output folder (absolute). */
  readonly out: string;
  /** Frames per video (absent: the default). */
  readonly frames?: number;
  /** Crop side (absent: the default). */
  readonly size?: number;
  /** Context margin (absent: the default). */
  readonly margin?: number;
  /** Label (absent: from a real/ or fake/ folder on the path). */
  readonly label?: 'real' | 'fake';
  /** Technique of fakes. */
  readonly technique?: string;
  /** Faces kept per frame. */
  readonly faces?: 'largest' | 'all';
  /** Detector network. */
  readonly detector?: DetectorName;
  /** Tiny detector input size. */
  readonly inputSize?: number;
  /** TensorFlow.js backend. */
  readonly backend: (typeof JOB_BACKENDS)[number];
}

let cachedDetector: { key: string; detector: Promise<FaceDetector> } | undefined;

/** One detector per worker process (per detector settings). */
function detectorFor(detector: DetectorName | undefined, inputSize: number | undefined): Promise<FaceDetector> {
  const key = `${detector ?? ''}@${inputSize ?? ''}`;
  if (cachedDetector?.key !== key) cachedDetector = { key, detector: FaceDetector.create({ detector, inputSize }) };
  return cachedDetector.detector;
}

/** The `prepare-source` handler. */
export const prepareSourceJob: JobHandler<PrepareSourcePayload, { prepared: number; reused: number; skipped: string[] }> = {
  kind: PREPARE_SOURCE_KIND,
  validate(payload) {
    const f = new PayloadFields(PREPARE_SOURCE_KIND, payload);
    const r = payload as Record<string, unknown>;
    const opt = <T>(name: string, read: () => T): Partial<Record<string, T>> => (r[name] === undefined ? {} : { [name]: read() });
    return {
      source: f.path('source'),
      out: f.path('out'),
      ...opt('frames', () => f.int('frames', 1, 100_000)),
      ...opt('size', () => f.int('size', 16, 4096)),
      ...opt('margin', () => f.number('margin', 1, 4)),
      ...opt('label', () => f.choice('label', ['real', 'fake'] as const)),
      ...opt('technique', () => f.string('technique')),
      ...opt('faces', () => f.choice('faces', ['largest', 'all'] as const)),
      ...opt('detector', () => f.choice('detector', ['tiny', 'ssd'] as const)),
      ...opt('inputSize', () => f.int('inputSize', 128, 4096)),
      backend: f.choice('backend', JOB_BACKENDS),
    } as PrepareSourcePayload;
  },
  async run(p) {
    await ensureWorkerBackend(p.backend);
    const detector = await detectorFor(p.detector, p.inputSize);
    const report = await prepareFaces(detector, {
      inputs: [p.source],
      out: p.out,
      frames: p.frames,
      size: p.size,
      margin: p.margin,
      label: p.label,
      technique: p.technique,
      faces: p.faces,
    });
    return { prepared: report.prepared.length, reused: report.reused.length, skipped: report.skipped.map((s) => `${s.source}: ${s.reason}`) };
  },
};
