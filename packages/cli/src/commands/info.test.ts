import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { runCli } from '../main.js';

function capture() {
  const io = { stdout: '', stderr: '', interactive: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}

describe('rfm info', () => {
  it('prints the multiply-adds of one forward pass beside the parameter counts', async () => {
    const io = capture();
    expect(await runCli(['info', '--backbone', 'xception', '--width', '0.25', '--size', '128'], io)).toBe(0);
    expect(io.stdout).toMatch(/^multiply-adds {4}97,254,888 per image, forward \(0\.0973 G\)$/m);
    const json = capture();
    expect(await runCli(['info', '--backbone', 'small', '--size', '96', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout).multiplyAdds).toBeGreaterThan(0);
  });
});
