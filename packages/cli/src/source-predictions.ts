/**
 * The verdict on one photo or video as `rfm predict` reports it (scored, no face, or unreadable),
 * and the outputs built from a list of verdicts: the text lines, the JSON and the per-face CSV. One
 * home for the single-process `rfm predict` and its sharded form (`--shards K`), so both print the
 * same bytes.
 *
 * @packageDocumentation
 */
import { mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { forgeryAttentionMap, normalizeAttentionMaps } from '@rfm/attention';
import { COMPILE_AFTER_RUNS, inferenceHandle, type Backbone } from '@rfm/core';
import { fileSha256, predictFaces, type CropScorer, type FaceDetector, type SourcePrediction } from '@rfm/faces';
import type { ResolvedTransformOptions } from '@rfm/data';
import { writeAttentionPng } from './images/png.js';
import { cropsToInputs } from './face-scorer.js';

/** A source that could not be read (not a photo or video, or a broken file). */
export interface UnreadableSource {
  /** The file. */
  readonly source: string;
  /** Always `unreadable`. */
  readonly status: 'unreadable';
  /** What went wrong. */
  readonly reason: string;
}

/** What `rfm predict` reports for one source. */
export type SourceResult = SourcePrediction | UnreadableSource;

/** The settings of `rfm predict` that shape each source's verdict. */
export interface SourceScoring {
  /** Face detector. */
  readonly detector: FaceDetector;
  /** Scores aligned crops with the run's model. */
  readonly scorer: CropScorer;
  /** Frames sampled per video (undefined: the default). */
  readonly frames: number | undefined;
  /** Faces per frame (undefined: the default). */
  readonly faces: 'all' | 'largest' | undefined;
  /** Alignment crop side (undefined: the default). */
  readonly size: number | undefined;
  /** Alignment margin (undefined: the default). */
  readonly margin: number | undefined;
  /** Where Forgery Attention Maps go, with the model and transforms that draw them (undefined: none). */
  readonly fam: { readonly dir: string; readonly backbone: Backbone; readonly transform: ResolvedTransformOptions } | undefined;
}

/**
 * Detects, aligns and scores the faces of one source; writes its attention maps when asked. An
 * rfm error (unreadable file, not an image) gives an {@link UnreadableSource}; anything else throws.
 *
 * @param path - the photo or video (absolute)
 * @param s - the settings
 */
export async function predictSource(path: string, s: SourceScoring): Promise<SourceResult> {
  let r: SourcePrediction;
  try {
    r = await predictFaces(s.detector, path, { scorer: s.scorer, frames: s.frames, faces: s.faces, size: s.size, margin: s.margin, keepCrops: s.fam !== undefined });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('RFM_')) throw e;
    return { source: path, status: 'unreadable', reason: (e as Error).message };
  }
  if (s.fam) await writeFams(s.fam.dir, path, r, s.fam.backbone, s.fam.transform);
  return stripCrops(r);
}

/**
 * The line `rfm predict` prints for a source.
 *
 * @param r - its verdict
 * @param threshold - P(fake) at or above which it is called fake
 */
export function formatSourceLine(r: SourceResult, threshold: number): string {
  if (r.status === 'unreadable') return `${r.source}: unreadable (${r.reason})`;
  const faces = r.frames.reduce((n, f) => n + f.faces.length, 0);
  if (r.status === 'no-face') return `${r.source}: no face found in ${r.frames.length} frame(s); not scored`;
  const verdict = r.score! >= threshold ? 'FAKE' : 'real';
  const what = r.kind === 'video' ? `mean of ${r.frames.length - r.facelessFrames}/${r.frames.length} frames with a face` : `max over ${faces} face(s)`;
  return `${r.source}: ${verdict} P(fake) ${r.score!.toFixed(4)} logit gap ${r.logitGap!.toFixed(3)} (${what})`;
}

/**
 * The JSON `rfm predict --json` prints.
 *
 * @param model - the run folder
 * @param threshold - the verdict threshold
 * @param results - one verdict per source, in input order
 */
export function predictionsJson(model: string, threshold: number, results: readonly SourceResult[]): string {
  return `${JSON.stringify({ model, threshold, sources: results }, null, 2)}\n`;
}

/**
 * The CSV of `rfm predict --csv`: one row per face (`source,frame,face,x,y,width,height,score,logit_gap`).
 *
 * @param results - one verdict per source, in input order
 */
export function predictionsCsv(results: readonly SourceResult[]): string {
  const rows = ['source,frame,face,x,y,width,height,score,logit_gap'];
  for (const r of results) {
    if (!('frames' in r)) continue;
    for (const f of r.frames) {
      f.faces.forEach((face, k) => {
        const b = face.box;
        rows.push([JSON.stringify(r.source), f.index, k, b.x.toFixed(1), b.y.toFixed(1), b.width.toFixed(1), b.height.toFixed(1), face.score, face.logitGap].join(','));
      });
    }
  }
  return `${rows.join('\n')}\n`;
}

/** The verdict without the aligned crops (kept only to draw attention maps). */
function stripCrops(r: SourcePrediction): SourcePrediction {
  return { ...r, frames: r.frames.map((f) => ({ ...f, faces: f.faces.map(({ aligned: _aligned, ...rest }) => rest) })) };
}

/** Writes each face's Forgery Attention Map over its crop to `dir/<name>-<hash8>/<frame>[-k].fam.png`. */
async function writeFams(dir: string, source: string, r: SourcePrediction, backbone: Backbone, transform: ResolvedTransformOptions): Promise<void> {
  const stem = `${basename(source, extname(source)).replace(/[^A-Za-z0-9._-]+/g, '_')}-${(await fileSha256(source)).slice(0, 8)}`;
  const out = join(resolve(dir), stem);
  mkdirSync(out, { recursive: true });
  const handle = inferenceHandle(backbone);
  const [h, w] = transform.crop;
  for (const f of r.frames) {
    for (let k = 0; k < f.faces.length; k++) {
      const aligned = f.faces[k]!.aligned;
      if (!aligned) continue;
      const inputs = cropsToInputs([aligned], transform);
      const map = tf.tidy(() => normalizeAttentionMaps(forgeryAttentionMap(handle, inputs, { compileAfter: COMPILE_AFTER_RUNS })));
      const [values, pixels] = await Promise.all([map.data(), inputs.data()]);
      tf.dispose([inputs, map]);
      await writeAttentionPng(join(out, `${String(f.index).padStart(5, '0')}${k === 0 ? '' : `-${k}`}.fam.png`), { data: values as Float32Array, height: h, width: w }, {
        background: { data: pixels as Float32Array, height: h, width: w },
        normalization: transform.normalization,
      });
    }
  }
}
