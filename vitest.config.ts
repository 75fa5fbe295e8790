import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@rfm/source'] },
  ssr: { resolve: { conditions: ['@rfm/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: false } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
