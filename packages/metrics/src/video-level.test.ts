import { describe, expect, it } from 'vitest';
import { evaluateByTechnique, hasVideoGroups, MetricsInputError, videoLevelSamples } from './index.js';

describe('videoLevelSamples', () => {
  it('averages frame scores per video and keeps label, technique and frame count', () => {
    const v = videoLevelSamples([
      { label: 1, score: 0.9, group: 'a', technique: 'df' },
      { label: 0, score: 0.2, group: 'b' },
      { label: 1, score: 0.5, group: 'a', technique: 'df' },
      { label: 0, score: 0.4 },
    ]);
    expect(v).toEqual([
      { group: 'a', label: 1, score: 0.7, frames: 2, technique: 'df' },
      { group: 'b', label: 0, score: 0.2, frames: 1 },
      { group: '#3', label: 0, score: 0.4, frames: 1 },
    ]);
    // Video-level metrics can differ from frame-level ones: one bad frame no longer sinks the AUC.
    const frames = [
      { label: 1 as const, score: 0.9, group: 'f' },
      { label: 1 as const, score: 0.1, group: 'f' },
      { label: 0 as const, score: 0.3, group: 'r' },
      { label: 0 as const, score: 0.4, group: 'r' },
    ];
    expect(evaluateByTechnique(frames).overall.auc).toBeCloseTo(0.5, 12);
    expect(evaluateByTechnique(videoLevelSamples(frames)).overall.auc).toBeCloseTo(1, 12);
  });

  it('names a video whose frames disagree on the label', () => {
    let error: unknown;
    try {
      videoLevelSamples([{ label: 1, score: 0.9, group: 'clip7' }, { label: 0, score: 0.1, group: 'clip7' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MetricsInputError);
    expect((error as MetricsInputError).code).toBe('RFM_METRICS_GROUP_LABELS');
    expect((error as Error).message).toMatch(/clip7/);
  });

  it('tells whether any group has several samples', () => {
    expect(hasVideoGroups([{ label: 0, score: 0, group: 'a' }, { label: 1, score: 1, group: 'b' }])).toBe(false);
    expect(hasVideoGroups([{ label: 0, score: 0, group: 'a' }, { label: 0, score: 1, group: 'a' }])).toBe(true);
  });
});
