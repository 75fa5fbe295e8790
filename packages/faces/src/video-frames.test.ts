import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { countVideoFrames, linspaceIndices, readVideoFrames, splitPngStream } from './video-frames.js';
import { findFfmpeg } from './ffmpeg.js';
import { VIDEOS_DIR } from './test-fixtures.js';
import { selectFaces } from './face-selection.js';
import { labelFromPath, sourceFolderName } from './media-sources.js';
import type { DetectedFace } from './face-detector.js';

describe('linspaceIndices', () => {
  it('matches numpy linspace(0, n - 1, k).astype(int)', () => {
    // np.linspace(0, 22, 8).astype(int) -> [0, 3, 6, 9, 12, 15, 18, 22]
    expect(linspaceIndices(23, 8)).toEqual([0, 3, 6, 9, 12, 15, 18, 22]);
    // np.linspace(0, 61, 32).astype(int)[:5] -> [0, 1, 3, 5, 7]
    expect(linspaceIndices(62, 32).slice(0, 5)).toEqual([0, 1, 3, 5, 7]);
    expect(linspaceIndices(62, 32)).toHaveLength(32);
    expect(linspaceIndices(5, 32)).toEqual([0, 1, 2, 3, 4]);
    expect(linspaceIndices(10, 1)).toEqual([0]);
    expect(() => linspaceIndices(10, 0)).toThrow(/count/);
  });
});

describe('splitPngStream', () => {
  it('cuts concatenated PNG files at their IEND chunks', () => {
    const chunk = (type: string, body: number[]): Buffer => {
      const b = Buffer.alloc(12 + body.length);
      b.writeUInt32BE(body.length, 0);
      b.write(type, 4, 'latin1');
      Buffer.from(body).copy(b, 8);
      return b;
    };
    const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
    const png1 = Buffer.concat([sig, chunk('IHDR', [1, 2, 3]), chunk('IEND', [])]);
    const png2 = Buffer.concat([sig, chunk('IHDR', [4]), chunk('IDAT', [5, 6]), chunk('IEND', [])]);
    const parts = splitPngStream(Buffer.concat([png1, png2]));
    expect(parts.map((p) => p.length)).toEqual([png1.length, png2.length]);
  });
});

describe('selectFaces', () => {
  const face = (side: number): DetectedFace => ({ box: { x: 0, y: 0, width: side, height: side }, score: 0.9, landmarks: [] });
  it('keeps the largest, or every face at least half its side', () => {
    const faces = [face(30), face(100), face(49), face(50)];
    expect(selectFaces(faces, 'largest').map((f) => f.box.width)).toEqual([100]);
    expect(selectFaces(faces, 'all').map((f) => f.box.width)).toEqual([100, 50]);
    expect(selectFaces([], 'all')).toEqual([]);
  });
});

describe('source names and labels', () => {
  it('names a folder by file stem and content hash, and reads labels from real/ and fake/ folders', () => {
    expect(sourceFolderName('/x/My clip (1).mp4', 'abcdef0123456789')).toBe('My_clip_1_-abcdef01');
    expect(labelFromPath('/d/real/a.jpg')).toEqual({ label: 'real', technique: 'real' });
    expect(labelFromPath('/d/fake/deepfakes/v.mp4')).toEqual({ label: 'fake', technique: 'deepfakes' });
    expect(labelFromPath('/d/fake/v.mp4')).toEqual({ label: 'fake', technique: 'fake' });
    expect(labelFromPath('/d/other/v.mp4')).toBeUndefined();
  });
});

describe('findFfmpeg', () => {
  it('falls back to the binary shipped in @ffmpeg-installer/ffmpeg, and reads mp4, webm and gif with it', async () => {
    const npm = findFfmpeg({ envPath: undefined, systemCommand: null });
    expect(npm?.source).toBe('npm');
    for (const [file, total] of [['head-pose-face-detection-female.mp4', 23], ['head-pose-face-detection-male.webm', 62], ['head-pose-face-detection-female.gif', 23]] as const) {
      const { total: n, frames } = await readVideoFrames(join(VIDEOS_DIR, file), { frames: 3, ffmpeg: npm });
      expect(n, file).toBe(total);
      expect(frames.map((f) => f.index)).toEqual(linspaceIndices(total, 3));
      expect(frames[0]!.image.width).toBe(480);
      expect(frames[0]!.image.height).toBe(270);
    }
  });

  it('reports no ffmpeg when there is none, and names an unreadable video', async () => {
    expect(findFfmpeg({ envPath: undefined, systemCommand: null, npmPackages: [] })).toBeUndefined();
    await expect(countVideoFrames(join(VIDEOS_DIR, 'x.mp4'), null)).rejects.toMatchObject({ code: 'RFM_NO_FFMPEG' });
    const npm = findFfmpeg({ envPath: undefined, systemCommand: null });
    await expect(countVideoFrames(join(VIDEOS_DIR, 'SOURCE.md'), npm)).rejects.toMatchObject({ code: 'RFM_VIDEO_DECODE' });
  });
});
