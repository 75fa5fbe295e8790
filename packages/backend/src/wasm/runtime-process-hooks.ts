/**
 * The Emscripten glue of the wasm backend installs process-wide `uncaughtException` and
 * `unhandledRejection` listeners that rethrow whatever reaches them. Node then reports the error
 * at the rethrowing line, and that line is the whole minified glue: tens of kilobytes of
 * JavaScript printed to the terminal instead of a one-line reason. These helpers remove the
 * listeners a backend's start-up added, leaving the process' own error handling in charge.
 *
 * @packageDocumentation
 */

/** The process events whose listeners the glue adds. */
const EVENTS: readonly string[] = ['uncaughtException', 'unhandledRejection'];

/** `process.listeners` by an event name held in a variable. */
const listenersOf = (event: string): Function[] => (process as unknown as NodeJS.EventEmitter).listeners(event);

/**
 * Runs `start` (a backend's initialisation) and removes every `uncaughtException` and
 * `unhandledRejection` listener it added to `process`.
 *
 * @param start - the initialisation
 * @returns what `start` returned, and how many listeners were removed
 */
export async function withoutRuntimeProcessHooks<T>(start: () => Promise<T>): Promise<{ result: T; removed: number }> {
  const before = new Map(EVENTS.map((e) => [e, new Set(listenersOf(e))]));
  const removeAdded = (): number => {
    let removed = 0;
    for (const event of EVENTS) {
      for (const listener of listenersOf(event)) {
        if (!before.get(event)!.has(listener)) {
          process.removeListener(event, listener as (...args: unknown[]) => void);
          removed++;
        }
      }
    }
    return removed;
  };
  let result: T;
  try {
    result = await start();
  } catch (e) {
    removeAdded();
    throw e;
  }
  return { result, removed: removeAdded() };
}
