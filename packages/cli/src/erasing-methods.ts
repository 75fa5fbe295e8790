/**
 * The erasing methods the CLI knows by name (`rfm erase --method`, `rfm train --augment`). Each
 * entry registers its plugin through its own package's `registerX` (what the package READMEs
 * show), with the paper's defaults for the network's input size.
 *
 * @packageDocumentation
 */
import { registerAdversarialErasing } from '@rfm/augment-ae';
import { registerPsfe } from '@rfm/augment-psfe';
import { registerRandomErasing } from '@rfm/augment-re';
import { registerSfe } from '@rfm/augment-sfe';
import { AUGMENTATION, UnknownAugmentationError, type Augmentation } from '@rfm/core';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';

/** What a method may be asked to change; a method ignores the options it does not have. */
export interface ErasingMethodOptions {
  /** Network input side in pixels (block and region sizes scale with it). */
  readonly inputSize: number;
  /** Number of erasing blocks (SFE/PSFE: N); default the method's own. */
  readonly blocks?: number;
  /** Largest block side in pixels at this input size (SFE/PSFE: H_max = W_max); default 120/224 of the input. */
  readonly maxSize?: number;
  /** Erasing probability per image; default the method's own (SFE/PSFE: 1). */
  readonly probability?: number;
  /** Run seed, for methods that need one at construction (SFE/PSFE draw everything from the context's rng). */
  readonly seed?: number;
}

/** One named erasing method. */
export interface ErasingMethod {
  /** One line for help texts. */
  readonly summary: string;
  /**
   * Registers the plugin in `container` with the package's own `registerX`, with the paper's
   * defaults for `options.inputSize`; returns false when the same plugin already was.
   */
  register(container: DependencyContainer, options: ErasingMethodOptions): boolean;
  /** The attention the method reads, if any (`fam`: Forgery Attention Map; `cam`: class activation map). */
  readonly attention?: 'fam' | 'cam';
}

/** The paper's 120 px at 224, as a fraction, so that smaller inputs get proportionally smaller blocks. */
const PAPER_BLOCK_FRACTION = 120 / 224;

const sfeOptions = (o: ErasingMethodOptions) => ({
  blocks: o.blocks,
  probability: o.probability,
  maxHeight: o.maxSize ?? PAPER_BLOCK_FRACTION,
  maxWidth: o.maxSize ?? PAPER_BLOCK_FRACTION,
});

/**
 * Erasing methods by name. `sfe` and `psfe` use N = 3 blocks, p = 1 and blocks up to 120/224 of the
 * input side (120 px at 224, as in the paper), the official code's block geometry and U[-1, 1) fill.
 * `re` uses Random Erasing's own defaults (`blocks` sets its rectangle count, `maxSize` is ignored);
 * `ae` uses `@rfm/augment-ae`'s assumed defaults (`blocks` and `maxSize` are ignored).
 */
export const ERASING_METHODS: Record<string, ErasingMethod> = {
  sfe: {
    summary: 'Suspicious Forgeries Erasing: N blocks at the top Forgery Attention Map pixels (RFM, the paper\'s method)',
    register: (c, o) => registerSfe(c, sfeOptions(o)),
    attention: 'fam',
  },
  psfe: {
    summary: 'Progressive SFE: one block per round, the attention map recomputed between rounds (paper §4.3)',
    register: (c, o) => registerPsfe(c, sfeOptions(o)),
    attention: 'fam',
  },
  re: {
    summary: 'Random Erasing: one random rectangle inside the image, p = 0.5, area 2-40 %, aspect 0.3-3.33 (Zhong et al.; RFM Table 3 baseline)',
    register: (c, o) => registerRandomErasing(c, { probability: o.probability, count: o.blocks }),
  },
  ae: {
    summary: 'Adversarial Erasing, one step online: erase the top 20 % of the ground-truth-class CAM (Wei et al.; RFM Table 3 baseline)',
    register: (c, o) => registerAdversarialErasing(c, { probability: o.probability }),
    attention: 'cam',
  },
};

/** The registered method names, sorted. */
export function erasingMethodNames(): string[] {
  return Object.keys(ERASING_METHODS).sort();
}

/**
 * Registers a named method in a run's container, through its package's `registerX`.
 *
 * @param container - the run's child container
 * @param name - a key of {@link ERASING_METHODS}
 * @param options - input size and overrides
 * @throws `UnknownAugmentationError` listing the known names
 */
export function registerErasing(container: DependencyContainer, name: string, options: ErasingMethodOptions): boolean {
  const method = Object.hasOwn(ERASING_METHODS, name) ? ERASING_METHODS[name] : undefined;
  if (!method) throw new UnknownAugmentationError(name, erasingMethodNames());
  return method.register(container, options);
}

/**
 * The plugin of a named method, registered (by {@link registerErasing}) in a container of its own:
 * for running it outside the trainer (`rfm erase`).
 *
 * @param name - a key of {@link ERASING_METHODS}
 * @param options - input size and overrides
 * @throws `UnknownAugmentationError` listing the known names
 */
export function createErasing(name: string, options: ErasingMethodOptions): Augmentation {
  const own = rootContainer.createChildContainer();
  registerErasing(own, name, options);
  return own.resolveAll<Augmentation>(AUGMENTATION)[0]!;
}
