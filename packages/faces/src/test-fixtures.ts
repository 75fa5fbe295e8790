/**
 * Paths of the repository's sample media for the `@rfm/faces` tests.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Point } from './face-detector.js';

/** The repository's `data/` folder. */
export const DATA_DIR = fileURLToPath(new URL('../../../data/', import.meta.url));
/** Sample videos (see data/videos/SOURCE.md). */
export const VIDEOS_DIR = join(DATA_DIR, 'videos');
/** 12 portraits with 189-point templates (see data/london-faces/SOURCE.md). */
export const PORTRAITS_DIR = join(DATA_DIR, 'london-faces');

/** The two pupil centres (template points 0 and 1) of a `.tem` file. */
export function templatePupils(temFile: string): [Point, Point] {
  const lines = readFileSync(temFile, 'utf8').split(/\r?\n/);
  const pt = (i: number): Point => {
    const [x, y] = lines[1 + i]!.trim().split(/\s+/).map(Number);
    return [x!, y!];
  };
  return [pt(0), pt(1)];
}
