/**
 * `rfm predict`: verdicts on photos and videos with a trained run's model.
 *
 * @packageDocumentation
 */
import { mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { forgeryAttentionMap, normalizeAttentionMaps } from '@rfm/attention';
import { inferenceHandle, writeFileAtomic } from '@rfm/core';
import { FaceDetector, fileSha256, listMediaSources, predictFaces, type SourcePrediction } from '@rfm/faces';
import { BACKEND_FLAG, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { writeAttentionPng } from '../images/png.js';
import { createBackboneScorer, cropsToInputs, runTransform } from '../face-scorer.js';
import { loadRunModel } from '../run-model.js';

/** Flags of `rfm predict`. */
export const PREDICT_FLAGS: readonly FlagSpec[] = [
  { name: 'model', kind: 'string', value: 'RUN_DIR', required: true, help: 'folder written by rfm train (or its model/ folder)' },
  { name: 'input', kind: 'list', value: 'PATH', help: 'images, videos (mp4 webm mov avi gif mkv; need ffmpeg) or folders (recursive);\nalso accepted as positional INPUT...' },
  { name: 'json', kind: 'boolean', help: 'print every source, frame and face as JSON' },
  { name: 'csv', kind: 'string', value: 'FILE', help: 'also write one row per face: source,frame,face,x,y,width,height,score,logit_gap' },
  { name: 'fam', kind: 'string', value: 'DIR', help: "write each face's Forgery Attention Map over its crop as a PNG" },
  { name: 'frames', kind: 'int', value: 'N', min: 1, max: 100_000, help: 'frames sampled per video (default 32)' },
  { name: 'faces', kind: 'choice', value: 'F', choices: ['all', 'largest'], help: "all (default: every face at least half the largest's size) | largest" },
  { name: 'size', kind: 'int', value: 'N', min: 16, max: 4096, help: 'alignment crop side (default 256; use the value given to rfm prepare)' },
  { name: 'margin', kind: 'number', value: 'M', min: 1, max: 4, help: 'alignment margin (default 1.3; use the value given to rfm prepare)' },
  { name: 'detector', kind: 'choice', value: 'D', choices: ['tiny', 'ssd'], help: 'tiny (default) | ssd' },
  { name: 'threshold', kind: 'number', value: 'T', min: 0, max: 1, default: 0.5, help: 'P(fake) at or above which a source is called fake' },
  BACKEND_FLAG,
];

const HELP = commandHelp(
  'Usage: rfm predict --model RUN_DIR INPUT... [--json | --csv FILE] [--fam DIR]',
  `Detects the faces of photos and videos, aligns them as rfm prepare does, and scores them with the
best model of a run: per face P(fake) and the logit gap O_fake - O_real; per frame the maximum over
its faces; per video the mean over its sampled frames that have a face. A source without any face
is reported as "no face", never given a score. Prints one line per source (or JSON).`,
  PREDICT_FLAGS,
);

/** The `predict` command. */
export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'score the faces of photos and videos with a trained model (per face, frame and video)',
  help: HELP,
  flags: PREDICT_FLAGS,
  async run(args, io) {
    const p = parseFlags('predict', args, PREDICT_FLAGS, true);
    const modelDir = p.required('model');
    const inputs = [...p.list('input'), ...p.positionals];
    if (inputs.length === 0) throw new CliUsageError('predict: no INPUT given: pass images, videos or folders after the flags');
    if (p.bool('json') && p.has('csv')) throw new CliUsageError('predict: --json and --csv are exclusive; pick one');
    const frames = p.number('frames');
    const faces = p.string<'all' | 'largest'>('faces');
    const size = p.number('size');
    const margin = p.number('margin');
    const detectorName = p.string<'tiny' | 'ssd'>('detector');
    const threshold = p.number('threshold')!;
    const famDir = p.string('fam');
    const csv = p.string('csv');
    const json = p.bool('json');
    let sources;
    try {
      sources = listMediaSources(inputs);
    } catch (e) {
      throw new CliUsageError(`predict: ${(e as Error).message}`);
    }
    if (sources.length === 0) throw new CliUsageError(`predict: no image or video found in ${inputs.join(' ')}`);
    await startBackend(p, io);
    const run = await loadRunModel(modelDir);
    const transform = runTransform(run);
    const detector = await FaceDetector.create({ detector: detectorName });
    const scorer = createBackboneScorer(run.backbone, transform);
    const results: (SourcePrediction | { source: string; status: 'unreadable'; reason: string })[] = [];
    try {
      for (const source of sources) {
        let r: SourcePrediction;
        try {
          r = await predictFaces(detector, source.path, { scorer, frames, faces, size, margin, keepCrops: famDir !== undefined });
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          if (typeof code !== 'string' || !code.startsWith('RFM_')) throw e;
          results.push({ source: source.path, status: 'unreadable', reason: (e as Error).message });
          if (!json) io.out(`${source.path}: unreadable (${(e as Error).message})\n`);
          continue;
        }
        if (famDir) await writeFams(famDir, source.path, r, run.backbone, transform);
        results.push(stripCrops(r));
        if (!json) io.out(`${formatLine(r, threshold)}\n`);
      }
    } finally {
      run.backbone.dispose();
    }
    if (json) io.out(`${JSON.stringify({ model: run.runDir, threshold, sources: results }, null, 2)}\n`);
    if (csv) {
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
      writeFileAtomic(csv, `${rows.join('\n')}\n`);
    }
    return results.some((r) => r.status === 'unreadable') ? 1 : 0;
  },
};

function formatLine(r: SourcePrediction, threshold: number): string {
  const faces = r.frames.reduce((n, f) => n + f.faces.length, 0);
  if (r.status === 'no-face') return `${r.source}: no face found in ${r.frames.length} frame(s); not scored`;
  const verdict = r.score! >= threshold ? 'FAKE' : 'real';
  const what = r.kind === 'video' ? `mean of ${r.frames.length - r.facelessFrames}/${r.frames.length} frames with a face` : `max over ${faces} face(s)`;
  return `${r.source}: ${verdict} P(fake) ${r.score!.toFixed(4)} logit gap ${r.logitGap!.toFixed(3)} (${what})`;
}

function stripCrops(r: SourcePrediction): SourcePrediction {
  return { ...r, frames: r.frames.map((f) => ({ ...f, faces: f.faces.map(({ aligned: _aligned, ...rest }) => rest) })) };
}

async function writeFams(
  dir: string,
  source: string,
  r: SourcePrediction,
  backbone: Parameters<typeof inferenceHandle>[0],
  transform: ReturnType<typeof runTransform>,
): Promise<void> {
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
      const map = tf.tidy(() => normalizeAttentionMaps(forgeryAttentionMap(handle, inputs)));
      const [values, pixels] = await Promise.all([map.data(), inputs.data()]);
      tf.dispose([inputs, map]);
      await writeAttentionPng(join(out, `${String(f.index).padStart(5, '0')}${k === 0 ? '' : `-${k}`}.fam.png`), { data: values as Float32Array, height: h, width: w }, {
        background: { data: pixels as Float32Array, height: h, width: w },
        normalization: transform.normalization,
      });
    }
  }
}
