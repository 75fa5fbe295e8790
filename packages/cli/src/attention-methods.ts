/**
 * The attention maps the CLI can draw and average by name (`rfm fam --method`).
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import { classActivationMap, forgeryAttentionMap, gradCam, gradCamPlusPlus } from '@rfm/attention';
import { COMPILE_AFTER_RUNS, type ModelHandle } from '@rfm/core';

/** One named attention map. */
export interface AttentionMethod {
  /** One line for help texts. */
  readonly summary: string;
  /**
   * Maps of a batch: `[B, H, W]` at the input resolution (upsample coarser maps), non-negative,
   * a new tensor owned by the caller. `images` is not disposed.
   */
  compute(model: ModelHandle, images: tf.Tensor4D): tf.Tensor3D;
}

/** Attention methods by name. */
export const ATTENTION_METHODS: Record<string, AttentionMethod> = {
  fam: {
    summary: 'Forgery Attention Map: max over channels of |d(O_fake - O_real)/d input| (RFM §3.1)',
    compute: (model, images) => forgeryAttentionMap(model, images, { compileAfter: COMPILE_AFTER_RUNS }),
  },
  cam: {
    summary: 'Class Activation Map of the fake class: sum_k W[k, fake] f_k of the last feature map, upsampled, min-max (Zhou et al. 2016; RFM Fig. 5)',
    compute: (model, images) => classActivationMap(model, images, { target: 'fake' }),
  },
  gradcam: {
    summary: 'Grad-CAM of the fake class: ReLU of the feature map weighted by its mean gradients (Selvaraju et al. 2017)',
    compute: (model, images) => gradCam(model, images, { target: 'fake' }),
  },
  'gradcam++': {
    summary: 'Grad-CAM++ of the fake class: positive gradients weighted by the closed-form alphas (Chattopadhyay et al. 2018)',
    compute: (model, images) => gradCamPlusPlus(model, images, { target: 'fake' }),
  },
};

/** The registered method names, sorted. */
export function attentionMethodNames(): string[] {
  return Object.keys(ATTENTION_METHODS).sort();
}
