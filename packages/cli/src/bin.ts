#!/usr/bin/env node
/**
 * Entry point of the `rfm` executable.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './main.js';

// Production mode: no debug checks and no tfjs console banners in the middle of progress bars.
tf.env().set('PROD', true);

const code = await runCli(process.argv.slice(2));
// Native and wasm worker threads can keep the event loop alive after the work is done.
process.exit(code);
