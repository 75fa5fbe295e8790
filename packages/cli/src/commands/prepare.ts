/**
 * `rfm prepare`: photos and videos to aligned face crops, landmarks and a group-safe manifest.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { FFMPEG_HINT, FaceDetector, findFfmpeg, listMediaSources, prepareFaces, type DetectorName } from '@rfm/faces';
import type { JobSpec } from '@rfm/queue';
import { BACKEND_FLAGS, startBackend } from '../backend-flag.js';
import { checkLocalPath } from '../local-paths.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { openQueue } from '../jobs/open-queue.js';
import { PREPARE_SOURCE_KIND } from '../jobs/prepare-source-job.js';
import { ProgressBar } from '../progress.js';

/** Flags of `rfm prepare`. */
export const PREPARE_FLAGS: readonly FlagSpec[] = [
  { name: 'input', kind: 'list', value: 'PATH', help: 'images, videos or folders (recursive); repeatable, or positional' },
  { name: 'out', kind: 'string', value: 'DIR', required: true, help: 'output folder' },
  { name: 'frames', kind: 'int', value: 'N', min: 1, max: 100_000, help: 'frames sampled per video (default 32)' },
  { name: 'size', kind: 'int', value: 'N', min: 16, max: 4096, help: 'crop side in pixels (default 256)' },
  { name: 'margin', kind: 'number', value: 'M', min: 1, max: 4, help: 'context around the face: the face template fills size/M pixels (default 1.3)' },
  { name: 'label', kind: 'choice', value: 'L', choices: ['real', 'fake'], help: 'real | fake for every input (default: a real/ or fake/ folder on each path)' },
  { name: 'technique', kind: 'string', value: 'T', help: 'technique of fakes (default: the folder under fake/, else fake)' },
  { name: 'faces', kind: 'choice', value: 'F', choices: ['largest', 'all'], help: "largest (default) | all (every face at least half the largest's size)" },
  { name: 'detector', kind: 'choice', value: 'D', choices: ['tiny', 'ssd'], help: 'tiny (default; fast) | ssd (SSD MobileNet v1; finds small faces, slower)' },
  { name: 'input-size', kind: 'int', value: 'N', min: 128, max: 4096, help: 'input size of the tiny detector, a multiple of 32 (default 416)' },
  {
    name: 'queue',
    kind: 'string',
    value: 'URL',
    help: 'one job per source on rfm workers (rfm worker --queue redis://HOST:PORT) that\nshare the input and DIR paths; then this machine writes the manifest (reusing\nevery prepared source). Submitting again adds no job (see docs/scale-out.md)',
  },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  'Usage: rfm prepare --input PATH... --out DIR [--frames 32] [--size 256] [--margin 1.3] [--label real|fake]',
  `Detects faces (face-api, weights from its npm package), finds 68 landmarks, aligns each face to a
canonical 5-point template (eye centres, nose tip, mouth corners) and writes square crops:
DIR/<source>-<hash8>/<frame>.png, DIR/<source>-<hash8>/landmarks.json (boxes, landmarks in the crop
and in the source), DIR/manifest.csv (path,label,technique,group; group = the photo or video, so
that rfm train and rfm eval never split one video's frames) and DIR/prepare.json (frames without a
face, skipped files, frames/s). Videos (mp4 webm mov avi gif mkv) need ffmpeg: the system's, else the
npm package @ffmpeg-installer/ffmpeg; frames are sampled evenly (linspace). Resumable: sources
already in DIR with the same content and settings are reused. Several runs may share DIR (e.g. one
with --label real, one with --label fake); the manifest lists every source folder in DIR.`,
  PREPARE_FLAGS,
);

/** The `prepare` command. */
export const prepareCommand: CliCommand = {
  name: 'prepare',
  summary: 'photos and videos to aligned face crops, landmarks and a manifest for train/eval',
  help: HELP,
  flags: PREPARE_FLAGS,
  async run(args, io) {
    const p = parseFlags('prepare', args, PREPARE_FLAGS, true);
    const inputs = [...p.list('input'), ...p.positionals];
    for (const input of p.positionals) checkLocalPath('prepare: INPUT', input);
    if (inputs.length === 0) throw new CliUsageError('prepare: --input is required (see rfm prepare --help)');
    const out = resolve(p.required('out'));
    const frames = p.number('frames');
    const size = p.number('size');
    const margin = p.number('margin');
    const label = p.string<'real' | 'fake'>('label');
    const technique = p.string('technique');
    const faces = p.string<'largest' | 'all'>('faces');
    const detectorName = p.string<DetectorName>('detector');
    const inputSize = p.number('input-size');
    if (inputSize !== undefined && inputSize % 32 !== 0) throw new CliUsageError(`prepare: --input-size ${inputSize} is not a multiple of 32`);
    const queueUrl = p.string('queue');
    if (queueUrl !== undefined) {
      // One job per source on rfm workers; the pass below then reuses every prepared source and
      // writes the manifest and prepare.json here.
      const payloads = listMediaSources(inputs.map((i) => resolve(i))).map((s) => ({
        source: resolve(s.path),
        out,
        ...{ frames, size, margin, label, technique, faces, detector: detectorName, inputSize },
        backend: p.string('backend') ?? 'auto',
      }));
      const queue = await openQueue(queueUrl, 1);
      try {
        const submitted = await queue.submit(JSON.parse(JSON.stringify(payloads.map((payload) => ({ kind: PREPARE_SOURCE_KIND, payload })))) as JobSpec[]);
        io.err(`prepare: ${payloads.length} source(s) on ${queueUrl}: ${submitted.added} new job(s), ${submitted.existing} already queued or done\n`);
        const bar = new ProgressBar(io, 'prepare', payloads.length);
        const outcomes = await queue.wait(submitted.ids, { onProgress: (done) => bar.update(done, 'sources (workers)') });
        for (const o of outcomes) if (o.state === 'failed') io.err(`prepare: job ${o.id} failed: ${o.reason}\n`);
      } finally {
        await queue.close();
      }
    }
    await startBackend(p, io);
    const detector = await FaceDetector.create({ detector: detectorName, inputSize });
    let bar: ProgressBar | undefined;
    const report = await prepareFaces(detector, {
      inputs,
      out,
      frames,
      size,
      margin,
      label,
      technique,
      faces,
      onProgress: (pr) => {
        bar ??= new ProgressBar(io, 'prepare', pr.sourcesTotal);
        const fps = pr.elapsedMs > 0 ? (pr.frames * 1000) / pr.elapsedMs : 0;
        bar.update(pr.sourcesDone, `sources, ${pr.frames} frames, ${fps.toFixed(1)} frames/s`);
      },
    });
    const noFfmpeg = report.skipped.filter((s) => s.code === 'RFM_NO_FFMPEG');
    if (noFfmpeg.length > 0) io.err(`prepare: ${noFfmpeg.length} video(s) skipped: no ffmpeg found; ${FFMPEG_HINT}.\n`);
    for (const s of report.skipped.filter((x) => x.code !== 'RFM_NO_FFMPEG')) io.err(`prepare: skipped ${s.source}: ${s.reason}\n`);
    const ffmpeg = findFfmpeg();
    io.out(
      `${report.prepared.length} source(s) prepared, ${report.reused.length} reused, ${report.skipped.length} skipped; ` +
        `${report.frames} frames (${report.framesPerSecond.toFixed(1)} frames/s), ${report.crops} face crops, ${report.facelessFrames} frame(s) without a face (listed in prepare.json).\n` +
        `manifest: ${report.manifest} (${report.manifestRows} rows)${ffmpeg ? '' : ' [no ffmpeg: videos cannot be read]'}\n`,
    );
    if (report.manifestRows === 0) return 1;
    return 0;
  },
};
