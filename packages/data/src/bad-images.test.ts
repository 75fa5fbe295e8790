import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, silentLogger, type Logger } from '@rfm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancedSource, createEvalSource, ImageDecodeError, loadFolderDataset, type DatasetItem } from './index.js';
import { encode, rgb, tempDir, writeFile, writeFolderDataset } from './test-fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let items: readonly DatasetItem[] = [];
const transform = { resize: 8, crop: 6 };
const bad = ['fake/broken.png', 'real/notes.jpg', 'real/truncated.jpg'];

beforeAll(async () => {
  await writeFolderDataset(tmp.dir, 4, { '': 4 }, 8);
  const png = Buffer.from(await encode(rgb(8, 8, () => 50), 8, 8));
  png.fill(0, 16, 40); // corrupt header
  writeFile(join(tmp.dir, 'fake', 'broken.png'), png);
  writeFile(join(tmp.dir, 'real', 'notes.jpg'), 'plain text with an image extension');
  const jpeg = await encode(rgb(16, 16, (x, y) => (x * 16 + y * 9) % 256), 16, 16, 'jpeg');
  writeFile(join(tmp.dir, 'real', 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  items = (await loadFolderDataset(tmp.dir)).items;
});

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (m) => warnings.push(m), child: () => logger };
  return { logger, warnings };
}

describe('bad image files', () => {
  it('throw a typed error naming the file by default', async () => {
    const e = await createBalancedSource(items, createRng(1), { transform }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ImageDecodeError);
    expect((e as ImageDecodeError).code).toBe('RFM_BAD_IMAGE');
    expect((e as ImageDecodeError).message).toContain(join(tmp.dir, 'fake', 'broken.png'));
    await expect(createEvalSource(items, { transform })).rejects.toThrow(ImageDecodeError);
  });

  it("are skipped, counted, logged and listed with onBadImage: 'skip'", async () => {
    const { logger, warnings } = recordingLogger();
    const source = await createBalancedSource(items, createRng(1), { transform, onBadImage: 'skip', logger });
    expect(source.skipped.map((s) => s.id).sort()).toEqual(bad);
    expect(source.skipped.every((s) => s.reason.length > 0 && s.path.startsWith(tmp.dir))).toBe(true);
    expect(source.counts).toEqual({ real: 4, fake: 4 });
    expect(warnings.filter((w) => w.startsWith('skipping bad image'))).toHaveLength(3);
    expect(warnings.some((w) => w.includes('skipped 3 of 11'))).toBe(true);
    const b = await source.next();
    expect(b.ids!.some((id) => bad.includes(id))).toBe(false);
    tf.dispose([b.images, b.labels]);

    const evalSource = await createEvalSource(items, { transform, onBadImage: 'skip' });
    expect(evalSource.size).toBe(8);
    expect(evalSource.skipped).toHaveLength(3);
  });
});
