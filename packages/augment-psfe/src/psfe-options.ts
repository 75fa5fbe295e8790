/**
 * Options of progressive SFE: the same as SFE's (paper §4.3 changes only the procedure).
 *
 * @packageDocumentation
 */
import { SFE_DEFAULTS, type ResolvedSfeOptions, type SfeOptions } from '@rfm/augment-sfe';

/**
 * User options of {@link ProgressiveSfe}: exactly {@link SfeOptions}. `blocks` is the number of
 * rounds N (one block per round); `anchors: 'random'` skips the attention maps and so makes
 * PSFE equivalent in distribution to SFE with random anchors.
 */
export type PsfeOptions = SfeOptions;

/** PSFE's defaults: SFE's (N = 3 rounds, p = 1, 120 px, code geometry, uniform fill, attention anchors). */
export const PSFE_DEFAULTS: ResolvedSfeOptions = Object.freeze({ ...SFE_DEFAULTS });
