/**
 * The one helper every options resolver uses before spreading user options over defaults.
 *
 * @packageDocumentation
 */

/**
 * Copies `options` without the keys whose value is `undefined`, so that spreading them over the
 * defaults keeps the defaults (`{ ...DEFAULTS, ...definedOptions(options) }`).
 *
 * @param options - the user's options
 * @example
 * ```ts
 * ({ ...{ p: 1, n: 3 }, ...definedOptions({ p: undefined, n: 5 }) }); // { p: 1, n: 5 }
 * ```
 */
export function definedOptions<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
