/**
 * Video-level scores from frame-level ones: a video's score is the mean of its frames' scores.
 *
 * @packageDocumentation
 */
import { MetricsInputError } from './errors.js';
import type { ScoredSample } from './scored-samples.js';

/** A frame (or image) score with the video or photo it came from. */
export interface GroupedSample extends ScoredSample {
  /** The video (group) of the frame; samples without one are their own video. */
  readonly group?: string | undefined;
}

/** One video's score. */
export interface VideoSample extends ScoredSample {
  /** The group name (for a sample without group: `#<index>`). */
  readonly group: string;
  /** Frames averaged. */
  readonly frames: number;
}

/**
 * Pools frame scores into one score per video (group): the mean of its frames' scores (the
 * convention of the DFDC and SBI reference code), the video's label and technique from its frames.
 * Videos come out in order of first appearance.
 *
 * @param samples - frame scores with their groups
 * @returns one sample per video
 * @throws {@link MetricsInputError} (`RFM_METRICS_GROUP_LABELS`) naming a video whose frames disagree on the label
 * @example
 * ```ts
 * const videos = videoLevelSamples([{ label: 1, score: 0.9, group: 'v1' }, { label: 1, score: 0.7, group: 'v1' }]);
 * // [{ group: 'v1', label: 1, score: 0.8, frames: 2 }]
 * ```
 */
export function videoLevelSamples(samples: readonly GroupedSample[]): VideoSample[] {
  const byGroup = new Map<string, { label: 0 | 1; sum: number; n: number; technique?: string | undefined; first: number }>();
  samples.forEach((s, i) => {
    const key = s.group === undefined || s.group === '' ? `#${i}` : s.group;
    const g = byGroup.get(key);
    if (!g) {
      byGroup.set(key, { label: s.label, sum: s.score, n: 1, technique: s.technique, first: i });
      return;
    }
    if (g.label !== s.label) {
      throw new MetricsInputError(
        'RFM_METRICS_GROUP_LABELS',
        `video "${key}" has frames labelled ${g.label === 1 ? 'fake' : 'real'} (sample ${g.first}) and ${s.label === 1 ? 'fake' : 'real'} (sample ${i}); one video must have one label: fix the labels or the groups.`,
        { index: i },
      );
    }
    g.sum += s.score;
    g.n += 1;
  });
  return [...byGroup.entries()].map(([group, g]) => ({
    group,
    label: g.label,
    score: g.sum / g.n,
    frames: g.n,
    ...(g.technique !== undefined ? { technique: g.technique } : {}),
  }));
}

/**
 * True when at least two samples share a group (the data has videos, not only photos).
 *
 * @param samples - samples with optional groups
 */
export function hasVideoGroups(samples: readonly GroupedSample[]): boolean {
  const seen = new Set<string>();
  for (const s of samples) {
    if (s.group === undefined || s.group === '') continue;
    if (seen.has(s.group)) return true;
    seen.add(s.group);
  }
  return false;
}
