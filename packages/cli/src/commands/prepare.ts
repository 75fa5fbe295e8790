/**
 * `rfm prepare`: photos and videos to aligned face crops, landmarks and a group-safe manifest.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { FFMPEG_HINT, FaceDetector, findFfmpeg, prepareFaces, type DetectorName } from '@rfm/faces';
import { choiceFlag, intFlag, listFlag, numberFlag, optionalString, parseCommandArgs, requiredString } from '../args.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { ProgressBar } from '../progress.js';

const HELP = `Usage: rfm prepare --input PATH... --out DIR [--frames 32] [--size 256] [--margin 1.3] [--label real|fake]

Detects faces (face-api, weights from its npm package), finds 68 landmarks, aligns each face to a
canonical 5-point template (eye centres, nose tip, mouth corners) and writes square crops:
DIR/<source>-<hash8>/<frame>.png, DIR/<source>-<hash8>/landmarks.json (boxes, landmarks in the crop
and in the source), DIR/manifest.csv (path,label,technique,group; group = the photo or video, so
that rfm train and rfm eval never split one video's frames) and DIR/prepare.json (frames without a
face, skipped files, frames/s). Videos (mp4 webm mov avi gif mkv) need ffmpeg: the system's, else the
npm package @ffmpeg-installer/ffmpeg; frames are sampled evenly (linspace). Resumable: sources
already in DIR with the same content and settings are reused. Several runs may share DIR (e.g. one
with --label real, one with --label fake); the manifest lists every source folder in DIR.

  --input PATH...   images, videos or folders (recursive); repeatable, or several after one --input
  --out DIR         output folder
  --frames N        frames sampled per video (default 32)
  --size N          crop side in pixels (default 256)
  --margin M        context around the face: the face template fills size/M pixels (default 1.3)
  --label L         real | fake for every input (default: a real/ or fake/ folder on each path)
  --technique T     technique of fakes (default: the folder under fake/, else fake)
  --faces F         largest (default) | all (every face at least half the largest's size)
  --detector D      tiny (default; 5x faster) | ssd (SSD MobileNet v1: also finds small, distant faces)
  --input-size N    input size of the tiny detector, a multiple of 32 (default 224: faces that fill a
                    fifth of the frame or more)
${BACKEND_FLAG_HELP}
`;

/** The `prepare` command. */
export const prepareCommand: CliCommand = {
  name: 'prepare',
  summary: 'photos and videos to aligned face crops, landmarks and a manifest for train/eval',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('prepare', args, {
      ...BACKEND_FLAG_SPEC,
      input: { type: 'string', multiple: true },
      out: { type: 'string' },
      frames: { type: 'string' },
      size: { type: 'string' },
      margin: { type: 'string' },
      label: { type: 'string' },
      technique: { type: 'string' },
      faces: { type: 'string' },
      detector: { type: 'string' },
      'input-size': { type: 'string' },
    }, true);
    const inputs = [...listFlag(p, 'input'), ...p.positionals];
    if (inputs.length === 0) throw new CliUsageError('prepare: --input is required (see rfm prepare --help)');
    const out = resolve(requiredString(p, 'out', 'prepare'));
    const frames = intFlag(p, 'frames', 'prepare', 1, 100_000);
    const size = intFlag(p, 'size', 'prepare', 16, 4096);
    const margin = numberFlag(p, 'margin', 'prepare', 1, 4);
    const label = choiceFlag(p, 'label', 'prepare', ['real', 'fake'] as const);
    const technique = optionalString(p, 'technique');
    const faces = choiceFlag(p, 'faces', 'prepare', ['largest', 'all'] as const);
    const detectorName = choiceFlag(p, 'detector', 'prepare', ['tiny', 'ssd'] as const satisfies readonly DetectorName[]);
    const inputSize = intFlag(p, 'input-size', 'prepare', 128, 4096);
    if (inputSize !== undefined && inputSize % 32 !== 0) throw new CliUsageError(`prepare: --input-size ${inputSize} is not a multiple of 32`);
    await startBackend(p, 'prepare', io);
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
        `${report.frames} frames (${report.framesPerSecond.toFixed(1)} frames/s), ${report.crops} face crops; ${report.facelessFrames} frame(s) without a face in ${out} (listed in prepare.json).\n` +
        `manifest: ${report.manifest} (${report.manifestRows} rows)${ffmpeg ? '' : ' [no ffmpeg: videos cannot be read]'}\n`,
    );
    if (report.manifestRows === 0) return 1;
    return 0;
  },
};
