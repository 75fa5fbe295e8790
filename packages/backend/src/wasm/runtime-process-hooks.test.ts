import { describe, expect, it } from 'vitest';
import { withoutRuntimeProcessHooks } from './runtime-process-hooks.js';

describe('withoutRuntimeProcessHooks', () => {
  it('removes the process error listeners a start-up added, and only those', async () => {
    const mine = (): void => {};
    process.on('uncaughtException', mine);
    const rethrow = (e: unknown): never => {
      throw e;
    };
    const { result, removed } = await withoutRuntimeProcessHooks(async () => {
      process.on('uncaughtException', rethrow);
      process.on('unhandledRejection', rethrow);
      return 42;
    });
    expect(result).toBe(42);
    expect(removed).toBe(2);
    expect(process.listeners('uncaughtException')).toContain(mine);
    expect(process.listeners('uncaughtException')).not.toContain(rethrow);
    expect(process.listeners('unhandledRejection')).not.toContain(rethrow);
    process.off('uncaughtException', mine);
  });

  it('leaves no listener of the wasm backend after initBackend("wasm")', async () => {
    const { initBackend } = await import('../init-backend.js');
    const before = process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;
    await initBackend('wasm');
    expect(process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length).toBe(before);
  });
});
