/**
 * What rfm.js reads of tfjs-layers' convolution layers (`Conv2D`, `SeparableConv2D`): fields that
 * tfjs-layers 4.22.0 keeps public at run time but does not declare.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';

/** A layer weight as tfjs-layers keeps it. */
export interface LayerWeight {
  read(): tf.Tensor;
}

/** The run-time fields of a tfjs-layers `Conv2D` or `SeparableConv2D` layer. */
export interface ConvLayerFields {
  getClassName(): string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  /** `Conv2D`'s kernel. */
  readonly kernel?: LayerWeight;
  /** `SeparableConv2D`'s kernels. */
  readonly depthwiseKernel?: LayerWeight;
  readonly pointwiseKernel?: LayerWeight;
  readonly bias?: LayerWeight | null;
  readonly useBias: boolean;
  readonly activation: { getClassName(): string } | null;
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: string;
  readonly dilationRate: number[];
}
