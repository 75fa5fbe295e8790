/**
 * `rfm predict`: verdicts on photos and videos with a trained run's model.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import type { BackendChoice } from '@rfm/backend';
import { writeFileAtomic } from '@rfm/core';
import { FaceDetector, listMediaSources } from '@rfm/faces';
import { BACKEND_FLAGS, startBackend } from '../backend-flag.js';
import { checkLocalPath } from '../local-paths.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { createBackboneScorer, runTransform } from '../face-scorer.js';
import { predictInShards } from '../jobs/sharded-predict.js';
import { loadRunModel, readRunConfig } from '../run-model.js';
import { inferenceThreadsSuggestion } from '../thread-suggestions.js';
import { formatSourceLine, predictionsCsv, predictionsJson, predictSource, type SourceResult } from '../source-predictions.js';

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
  {
    name: 'shards',
    kind: 'int',
    value: 'K',
    min: 1,
    max: 100_000,
    help: 'predict in K jobs (source k in job k mod K; a video is never split), on local\nworker processes (min(K, CPUs) of them) or, with --queue, on rfm workers anywhere;\neach worker loads the model once; the output equals a single process\'s, exactly',
  },
  {
    name: 'queue',
    kind: 'string',
    value: 'URL',
    help: 'redis://HOST:PORT of the workers\' queue (rfm worker --queue URL; needs\n@rfm/queue-bullmq). Workers must see --model, the inputs, --fam and the shard folder',
  },
  { name: 'shard-dir', kind: 'string', value: 'DIR', help: 'where shard result files go (default RUN_DIR/predict-shards; shared by the workers)' },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  'Usage: rfm predict --model RUN_DIR INPUT... [--json | --csv FILE] [--fam DIR] [--shards K [--queue URL]]',
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
    for (const input of p.positionals) checkLocalPath('predict: INPUT', input);
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
    const shards = p.number('shards');
    const queueUrl = p.string('queue');
    if (queueUrl !== undefined && shards === undefined) throw new CliUsageError('predict: --queue needs --shards K (the number of jobs the sources are split into)');
    if (p.has('shard-dir') && shards === undefined) throw new CliUsageError('predict: --shard-dir needs --shards K');
    let sources;
    try {
      sources = listMediaSources(inputs);
    } catch (e) {
      throw new CliUsageError(`predict: ${(e as Error).message}`);
    }
    if (sources.length === 0) throw new CliUsageError(`predict: no image or video found in ${inputs.join(' ')}`);
    let results: SourceResult[];
    let runDir: string;
    if (shards !== undefined) {
      // Sharded: K jobs on worker processes or a Redis queue; this process only reduces.
      runDir = readRunConfig(modelDir).runDir;
      const plan = {
        model: runDir,
        sources: sources.map((s) => s.path),
        shards,
        frames,
        faces,
        size,
        margin,
        detector: detectorName,
        fam: famDir === undefined ? undefined : resolve(famDir),
        backend: p.string<BackendChoice>('backend') ?? 'auto',
      };
      results = await predictInShards(plan, queueUrl, p.string('shard-dir'), io);
      if (!json) for (const r of results) io.out(`${formatSourceLine(r, threshold)}\n`);
    } else {
      // One image per forward pass at the least: what a frame with one face costs.
      await startBackend(p, io, 'auto', inferenceThreadsSuggestion(readRunConfig(modelDir).config, 1));
      const run = await loadRunModel(modelDir);
      runDir = run.runDir;
      const transform = runTransform(run);
      const detector = await FaceDetector.create({ detector: detectorName });
      const scoring = {
        detector,
        scorer: createBackboneScorer(run.backbone, transform),
        frames,
        faces,
        size,
        margin,
        fam: famDir === undefined ? undefined : { dir: famDir, backbone: run.backbone, transform },
      };
      results = [];
      try {
        for (const source of sources) {
          const r = await predictSource(source.path, scoring);
          results.push(r);
          if (!json) io.out(`${formatSourceLine(r, threshold)}\n`);
        }
      } finally {
        run.backbone.dispose();
      }
    }
    if (json) io.out(predictionsJson(runDir, threshold, results));
    if (csv) writeFileAtomic(csv, predictionsCsv(results));
    return results.some((r) => r.status === 'unreadable') ? 1 : 0;
  },
};
