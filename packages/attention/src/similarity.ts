/**
 * Cosine similarity between average attention maps of several manipulation techniques (paper
 * Fig. 8). The paper's extra "normalized" step is not specified (spec §2.12, §10.11), so this is
 * the plain cosine of the flattened maps.
 *
 * @packageDocumentation
 */
import { ShapeMismatchError } from '@rfm/core';
import type { AttentionMapData } from './average-map.js';

/**
 * The symmetric matrix of cosine similarities between maps. For non-negative maps (average FAMs)
 * the values lie in [0, 1]. A map that is all zeros has similarity 0 with every map, itself included.
 *
 * @param maps - maps of equal size (e.g. one average FAM per technique)
 * @returns `n x n` matrix, `result[i][j] = cos(maps[i], maps[j])`
 * @throws `ShapeMismatchError` (`@rfm/core`) when the maps differ in size
 * @example
 * ```ts
 * const m = attentionSimilarity([avgDeepfakes, avgFace2Face, avgStyleGan]);
 * m[0][1]; // similarity of Deepfakes and Face2Face attention
 * ```
 */
export function attentionSimilarity(maps: readonly (AttentionMapData | Float32Array)[]): number[][] {
  const vectors = maps.map((m) => (m instanceof Float32Array ? m : m.data));
  const n = vectors[0]?.length ?? 0;
  vectors.forEach((v, i) => {
    if (v.length !== n) throw new ShapeMismatchError(`attentionSimilarity: map ${i} has ${v.length} values, map 0 has ${n}.`);
  });
  const norms = vectors.map((v) => Math.sqrt(dot(v, v)));
  return vectors.map((a, i) =>
    vectors.map((b, j) => {
      const d = norms[i]! * norms[j]!;
      return d > 0 ? dot(a, b) / d : 0;
    }),
  );
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}
