import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { findFfmpeg } from '@rfm/faces';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const DATA = fileURLToPath(new URL('../../../../data/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-faces-cli-'));
const previousBackend = tf.getBackend();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tf.setBackend(previousBackend);
});

describe.skipIf(!findFfmpeg())('rfm prepare / eval / predict on the sample videos and portraits (needs ffmpeg)', () => {
  const faces = join(dir, 'faces');
  const run = join(dir, 'run');
  const video = join(DATA, 'videos', 'head-pose-face-detection-female.mp4');
  const photo = join(DATA, 'london-faces', '001_03.jpg');

  it('prepares videos (as fakes here) and portraits (reals) into one manifest, resumably', async () => {
    let io = captureIO();
    const videos = ['prepare', '--input', join(DATA, 'videos'), '--out', faces, '--label', 'fake', '--technique', 'demo', '--frames', '3', '--size', '96', '--backend', 'wasm'];
    expect(await runCli(videos, io), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/frames\/s/);
    io = captureIO();
    expect(await runCli(['prepare', '--input', join(DATA, 'london-faces'), '--out', faces, '--label', 'real', '--size', '96', '--backend', 'wasm'], io), io.stderr()).toBe(0);
    expect(io.stdout()).toMatch(/12 source\(s\) prepared/);
    const manifest = readFileSync(join(faces, 'manifest.csv'), 'utf8').trim().split('\n');
    expect(manifest[0]).toBe('path,label,technique,group');
    expect(manifest.filter((r) => r.includes(',real,real,'))).toHaveLength(12);
    const prepareJson = JSON.parse(readFileSync(join(faces, 'prepare.json'), 'utf8')) as { reused: string[]; facelessFrames: number };
    expect(prepareJson.reused).toHaveLength(0);
    io = captureIO();
    expect(await runCli(videos, io), io.stderr()).toBe(0);
    expect(io.stdout()).toMatch(/0 source\(s\) prepared, 3 reused/);
  });

  it('evaluates a model on the manifest with frame- and video-level tables', async () => {
    let io = captureIO();
    const train = ['train', '--data', join(DATA, 'ffhq-stylegan2'), '--out', run, '--size', '32', '--iterations', '2', '--eval-every', '2', '--backend', 'wasm'];
    expect(await runCli(train, io), io.stderr()).toBe(0);
    io = captureIO();
    expect(await runCli(['eval', '--model', run, '--data', join(faces, 'manifest.csv'), '--json', '--backend', 'wasm'], io), io.stderr()).toBe(0);
    const report = JSON.parse(io.stdout()) as { images: number; video: { videos: number; overall: { nReal: number; nFake: number } } };
    expect(report.video.videos).toBe(15);
    expect(report.video.overall.nReal).toBe(12);
    expect(report.video.overall.nFake).toBe(3);
    expect(report.images).toBeGreaterThan(15);
  });

  it('predicts a video and a photo: per face, per frame, per video; FAM overlays; no score without a face', async () => {
    const io = captureIO();
    const fam = join(dir, 'fam');
    const csv = join(dir, 'pred.csv');
    const blank = join(DATA, 'london-faces', 'SOURCE.md');
    expect(await runCli(['predict', '--model', run, video, photo, '--frames', '3', '--fam', fam, '--csv', csv, '--backend', 'wasm'], io), io.stderr()).toBe(0);
    const lines = io.stdout().trim().split('\n');
    expect(lines[0]).toMatch(/female\.mp4: (FAKE|real) P\(fake\) 0\.\d{4} logit gap -?\d+\.\d{3} \(mean of \d\/3 frames with a face\)/);
    expect(lines[1]).toMatch(/001_03\.jpg: (FAKE|real) P\(fake\) 0\.\d{4} .*max over 1 face/);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('source,frame,face,x,y,width,height,score,logit_gap');
    const overlays = readdirSync(fam).flatMap((d) => readdirSync(join(fam, d)));
    expect(overlays.length).toBe(rows.length - 1);
    expect(overlays.every((f) => f.endsWith('.fam.png'))).toBe(true);

    const json = captureIO();
    expect(await runCli(['predict', '--model', run, photo, '--json', '--backend', 'wasm'], json), json.stderr()).toBe(0);
    const out = JSON.parse(json.stdout()) as { sources: { status: string; score: number; frames: { faces: { score: number; logitGap: number }[] }[] }[] };
    const face = out.sources[0]!.frames[0]!.faces[0]!;
    expect(out.sources[0]!.status).toBe('scored');
    expect(out.sources[0]!.score).toBe(face.score);
    expect(face.logitGap > 0).toBe(face.score > 0.5);

    const bad = captureIO();
    expect(await runCli(['predict', '--model', run, blank, '--backend', 'wasm'], bad)).toBe(1);
    expect(bad.stdout()).toMatch(/SOURCE\.md: unreadable/);
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });

  it('refuses bad flags with exit code 2', async () => {
    for (const args of [
      ['prepare', '--out', join(dir, 'x')],
      ['prepare', '--input', DATA, '--out', join(dir, 'x'), '--margin', '0.5'],
      ['prepare', '--input', DATA, '--out', join(dir, 'x'), '--input-size', '100'],
      ['predict', '--model', run],
      ['predict', '--model', run, photo, '--json', '--csv', 'x.csv'],
      ['predict', '--model', run, join(dir, 'missing.jpg')],
    ]) {
      const io = captureIO();
      expect(await runCli(args, io), args.join(' ')).toBe(2);
    }
  });
});
