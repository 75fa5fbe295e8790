/**
 * Bilinear resizing with OpenCV's `INTER_LINEAR` geometry (the official code's `cv2.resize`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecodedImage } from './decode-image.js';

/**
 * Resizes an RGB image to `height x width` with tfjs `resizeBilinear(alignCorners = false,
 * halfPixelCenters = true)`: source coordinate `(x + 0.5)·scale − 0.5` clamped at 0, no
 * antialiasing, aspect ratio ignored, like `cv2.resize(img, (w, h))` (spec §2.2). The float
 * result is rounded half up and clipped to 0..255, as cv2's fixed-point output is. An image that
 * already has the target size is returned unchanged (the bilinear map is then the identity).
 * Uses the active tfjs backend and leaves no tensor behind.
 *
 * @param image - 8-bit RGB image
 * @param height - target height
 * @param width - target width
 * @returns a new image (or `image` itself when no resize is needed)
 * @example
 * ```ts
 * const small = resizeImage(await decodeImage(path), 256, 256);
 * ```
 */
export function resizeImage(image: DecodedImage, height: number, width: number): DecodedImage {
  if (image.height === height && image.width === width) return image;
  const resized = tf.tidy(() => {
    const src = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    return tf.image.resizeBilinear(tf.cast(src, 'float32'), [height, width], false, true);
  });
  const values = resized.dataSync();
  resized.dispose();
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.floor(values[i]! + 0.5);
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { data, width, height };
}
