import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@rfm/backend';
import { loadManifestDataset, splitDataset } from '@rfm/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector, findFfmpeg, predictFaces, prepareFaces, readRecord, type CropScorer } from './index.js';
import { PORTRAITS_DIR, VIDEOS_DIR } from './test-fixtures.js';

const ffmpeg = findFfmpeg();
let detector: FaceDetector;
let previousBackend = '';
const work = mkdtempSync(join(tmpdir(), 'rfm-faces-'));

beforeAll(async () => {
  previousBackend = tf.getBackend();
  await initBackend('wasm');
  detector = await FaceDetector.create();
});
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await tf.setBackend(previousBackend);
});

describe('prepareFaces without ffmpeg', () => {
  it('still prepares photos, names each video it skipped and the way to get ffmpeg, and lists unreadable files', async () => {
    const input = join(work, 'in-noffmpeg');
    const out = join(work, 'out-noffmpeg');
    rmSync(input, { recursive: true, force: true });
    mkdirSync(input, { recursive: true });
    copyFileSync(join(PORTRAITS_DIR, '001_03.jpg'), join(input, 'a.jpg'));
    copyFileSync(join(VIDEOS_DIR, 'head-pose-face-detection-female.mp4'), join(input, 'b.mp4'));
    writeFileSync(join(input, 'broken.jpg'), 'not a jpeg');
    const report = await prepareFaces(detector, { inputs: [input], out, label: 'real', ffmpeg: undefined });
    expect(report.prepared).toHaveLength(1);
    expect(report.skipped.map((s) => s.code).sort()).toEqual(['RFM_BAD_IMAGE', 'RFM_NO_FFMPEG']);
    expect(report.skipped.find((s) => s.code === 'RFM_NO_FFMPEG')!.reason).toMatch(/b\.mp4.*apt-get install ffmpeg/);
    const prepareJson = JSON.parse(readFileSync(join(out, 'prepare.json'), 'utf8')) as { skipped: { source: string }[] };
    expect(prepareJson.skipped.map((s) => s.source).some((s) => s.endsWith('broken.jpg'))).toBe(true);
    expect(readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n')).toHaveLength(2);
  });
});

describe.skipIf(!ffmpeg)('prepareFaces on videos (needs ffmpeg: .ci/run installs it)', () => {
  it('samples frames evenly, writes crops, landmarks and a group-safe manifest, and resumes', async () => {
    const out = join(work, 'out-videos');
    const inputs = [join(VIDEOS_DIR, 'head-pose-face-detection-female.mp4'), join(VIDEOS_DIR, 'head-pose-face-detection-male.webm'), join(VIDEOS_DIR, 'head-pose-face-detection-female.gif')];
    const first = await prepareFaces(detector, { inputs, out, label: 'fake', technique: 'demo', frames: 4, size: 128 });
    expect(first.prepared).toHaveLength(3);
    expect(first.frames).toBe(12);
    expect(first.crops + first.facelessFrames).toBe(12);
    expect(first.crops).toBeGreaterThanOrEqual(8);
    const manifest = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n');
    expect(manifest[0]).toBe('path,label,technique,group');
    expect(manifest.length - 1).toBe(first.crops);
    const ds = await loadManifestDataset(join(out, 'manifest.csv'));
    expect(new Set(ds.items.map((i) => i.group)).size).toBe(3);
    expect(ds.items.every((i) => i.label === 1 && i.technique === 'demo')).toBe(true);
    const splits = splitDataset(ds, { seed: 1, fractions: { train: 0.4, validation: 0.3, test: 0.3 } });
    const sideOf = new Map<string, string>();
    for (const [side, items] of Object.entries(splits)) for (const it of items as { group?: string }[]) {
      expect(sideOf.get(it.group!) ?? side).toBe(side);
      sideOf.set(it.group!, side);
    }
    const mp4Dir = first.manifest.replace('manifest.csv', '');
    const folder = manifest[1]!.split(',')[3]!;
    const record = readRecord(join(mp4Dir, folder))!;
    expect(record.kind).toBe('video');
    const indices = [...record.frames.map((f) => f.index), ...record.faceless].sort((a, b) => a - b);
    expect(indices).toEqual(record.totalFrames === 23 ? [0, 7, 14, 22] : [0, 20, 40, 61]);
    const face = record.frames[0]!.faces[0]!;
    expect(face.landmarks).toHaveLength(68);
    expect(face.sourceLandmarks).toHaveLength(68);
    expect(face.landmarks[30]![0]).toBeGreaterThan(40);
    expect(face.landmarks[30]![0]).toBeLessThan(88);

    // A run killed mid-source leaves only its temporary folder, which the next run removes.
    const abandoned = join(out, '.tmp-head-pose-00000000-999999999');
    mkdirSync(abandoned);
    writeFileSync(join(abandoned, '00000.png'), 'half');
    const second = await prepareFaces(detector, { inputs, out, label: 'fake', technique: 'demo', frames: 4, size: 128 });
    expect(existsSync(abandoned)).toBe(false);
    expect(second.reused).toHaveLength(3);
    expect(second.frames).toBe(0);
    expect(readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n')).toEqual(manifest);
  });

  it('predictFaces: per frame the maximum over faces, per video the mean over frames, no score without a face', async () => {
    let calls = 0;
    const scorer: CropScorer = async (crops) => crops.map(() => ({ score: (++calls % 2) * 0.5 + 0.25, logitGap: calls }));
    const video = await predictFaces(detector, join(VIDEOS_DIR, 'head-pose-face-detection-female.mp4'), { scorer, frames: 3 });
    expect(video.kind).toBe('video');
    const scored = video.frames.filter((f) => f.score !== null);
    expect(scored.length).toBeGreaterThan(0);
    for (const f of scored) expect(f.score).toBe(Math.max(...f.faces.map((x) => x.score)));
    expect(video.score).toBeCloseTo(scored.reduce((a, f) => a + f.score!, 0) / scored.length, 12);

    const blank = join(work, 'blank.png');
    const sharp = (await import('sharp')).default;
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(blank);
    const none = await predictFaces(detector, blank, { scorer });
    expect(none.status).toBe('no-face');
    expect(none.score).toBeNull();
  });
});

