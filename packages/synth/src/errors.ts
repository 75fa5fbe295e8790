/**
 * Typed errors of `@rfm/synth`.
 *
 * @packageDocumentation
 */
import { RfmError } from '@rfm/core';

/**
 * No usable face: synthesis needs detected landmarks and never guesses a mask. Thrown when a whole
 * set has no face; single faceless images are reported and skipped instead.
 */
export class NoFaceError extends RfmError {
  /**
   * @param what - the image or set concerned
   * @param detail - what was tried
   */
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super('RFM_NO_FACE', `No face found in ${what}: ${detail}. Synthesis needs 68 detected landmarks; use face photos or crops (rfm prepare makes them).`);
  }
}
