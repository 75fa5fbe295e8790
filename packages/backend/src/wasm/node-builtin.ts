/**
 * Node's built-in modules from code that also runs in a browser: `process.getBuiltinModule`
 * (Node 20.16+) returns them synchronously without an import that a bundler would follow.
 *
 * @packageDocumentation
 */

/**
 * The Node built-in module `id` (`'node:v8'`, `'node:worker_threads'`…), or undefined outside Node
 * (or on a Node without `process.getBuiltinModule`).
 *
 * @param id - the module's specifier
 */
export function nodeBuiltin<T>(id: string): T | undefined {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  return getBuiltinModule?.(id) as T | undefined;
}
