#!/usr/bin/env node
/**
 * Entry point of the `rfm` executable.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';
import { runCli } from './main.js';

const code = await runCli(process.argv.slice(2));
// Native and wasm worker threads can keep the event loop alive after the work is done.
process.exit(code);
