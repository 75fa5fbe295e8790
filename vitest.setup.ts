import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers' bundle registers the gradients of every core op.
import '@tensorflow/tfjs-layers';

// Every test file starts on the pure-JS cpu backend; tests of other backends switch explicitly.
await tf.setBackend('cpu');
