/**
 * The moving-statistics updates of training-mode batch norms, all layers at once.
 *
 * Each `RfmBatchNormalization` layer updates its moving mean and moving variance after a
 * training-mode call: `moving ← moving − (moving − batch)·decay`, three kernels per statistic, so
 * six per layer. Those are tiny vectors; on Xception (40 batch norms) the updates were about 240 of
 * a step's kernel calls, and a call costs about the same whatever its size. Inside
 * {@link deferMovingAverageUpdates} the updates wait until the whole forward pass has run. Then the
 * updates with the same decay run as one vector (the moving statistics and batch statistics of every
 * layer concatenated), which gives the same three kernels plus one concatenation per input and one
 * split. Elementwise float32 arithmetic is the same per element, so the moving statistics are
 * bit-identical (tested).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { concatAsVector, splitToShapes } from '../ops/flat-vector.js';

/** A layer weight as tfjs-layers' `LayerVariable` exposes it. */
export interface MovingStatistic {
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

interface PendingUpdate {
  readonly moving: MovingStatistic;
  readonly batch: tf.Tensor;
  readonly decay: number;
}

let pending: PendingUpdate[] | null = null;

/** `moving − (moving − batch)·decay`, in tfjs-layers' order of operations. */
function movingAverage(moving: tf.Tensor, batch: tf.Tensor, decay: number): tf.Tensor {
  return tf.sub(moving, tf.mul(tf.sub(moving, batch), decay));
}

/**
 * Updates `moving` towards `batch` (`moving ← moving − (moving − batch)·decay`): at once, or, inside
 * {@link deferMovingAverageUpdates}, when that run ends (then `batch` is kept until then and
 * disposed after; the caller must not dispose it).
 *
 * @param moving - the moving statistic's weight
 * @param batch - this batch's statistic, same shape
 * @param decay - `1 − momentum`
 */
export function updateMovingAverage(moving: MovingStatistic, batch: tf.Tensor, decay: number): void {
  if (pending === null) {
    moving.write(movingAverage(moving.read(), batch, decay));
    return;
  }
  pending.push({ moving, batch: tf.keep(batch), decay });
}

/**
 * Runs `run` with the moving-statistics updates of every batch-norm call inside it deferred to its
 * end, then applies them grouped by decay, one vector each (see the file comment). Nested calls
 * join the outermost one. If `run` throws, the deferred updates are dropped.
 *
 * @param run - typically one training-mode forward pass
 * @returns what `run` returns
 */
export function deferMovingAverageUpdates<T>(run: () => T): T {
  if (pending !== null) return run();
  const updates: PendingUpdate[] = [];
  pending = updates;
  let result: T;
  try {
    result = run();
  } catch (e) {
    tf.dispose(updates.map((u) => u.batch));
    throw e;
  } finally {
    pending = null;
  }
  applyUpdates(updates);
  return result;
}

/** Applies deferred updates, those with the same decay as one vector, and disposes their batch statistics. */
function applyUpdates(updates: readonly PendingUpdate[]): void {
  // A weight updated twice (a layer called twice) starts a new round: rounds run one after another.
  const rounds: PendingUpdate[][] = [[]];
  let seen = new Set<MovingStatistic>();
  for (const u of updates) {
    if (seen.has(u.moving)) {
      rounds.push([]);
      seen = new Set();
    }
    seen.add(u.moving);
    rounds[rounds.length - 1]!.push(u);
  }
  for (const round of rounds) applyRound(round);
  tf.dispose(updates.map((u) => u.batch));
}

/** Applies updates of distinct weights, those with the same decay as one vector. */
function applyRound(updates: readonly PendingUpdate[]): void {
  const byDecay = new Map<number, PendingUpdate[]>();
  for (const u of updates) {
    const group = byDecay.get(u.decay);
    if (group === undefined) byDecay.set(u.decay, [u]);
    else group.push(u);
  }
  // A weight's write keeps its own reference to the new value; the temporaries go with the tidy.
  tf.tidy(() => {
    for (const [decay, group] of byDecay) {
      if (group.length === 1) {
        const u = group[0]!;
        u.moving.write(movingAverage(u.moving.read(), u.batch, decay));
        continue;
      }
      const moving = concatAsVector(group.map((u) => u.moving.read()));
      const batch = concatAsVector(group.map((u) => u.batch));
      const next = splitToShapes(movingAverage(moving, batch, decay), group.map((u) => u.batch.shape));
      group.forEach((u, i) => u.moving.write(next[i]!));
    }
  });
}
