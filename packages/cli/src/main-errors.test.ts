import { describe, expect, it } from 'vitest';
import type { CliCommand, CliIO } from './command.js';
import { runCli } from './main.js';

function capture(): CliIO & { text: () => string } {
  let text = '';
  return {
    out: (s: string) => {
      text += s;
    },
    err: (s: string) => {
      text += s;
    },
    text: () => text,
    interactive: false,
  };
}

describe('runCli on a backend failure', () => {
  it('prints one typed line, never the runtime dump or a stack', async () => {
    const crashing: CliCommand = {
      name: 'crash',
      summary: 'throws what the wasm backend throws when its heap is exhausted',
      help: 'crash',
      flags: [],
      run: async () => {
        const e = new WebAssembly.RuntimeError('memory access out of bounds');
        e.stack = `RuntimeError: memory access out of bounds\n    at wasm://wasm/0019ea4a:wasm-function[584]:0x60c42\nvar Module=typeof WasmBackendModule!="undefined"?WasmBackendModule:{};`;
        throw e;
      },
    };
    const io = capture();
    const code = await runCli(['crash'], io, [crashing]);
    expect(code).toBe(1);
    const lines = io.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rfm crash: The .* backend failed during rfm crash \(memory access out of bounds\)\./);
    expect(io.text()).not.toMatch(/wasm-function|WasmBackendModule/);
  });
});
