/**
 * File names derived from user data (image names, technique names) for outputs written side by side:
 * one function makes them unique, so no output silently overwrites another.
 *
 * @packageDocumentation
 */
import { CliUsageError } from './command.js';

/**
 * Derives one output name per key and guarantees they are distinct, also when compared without case
 * (macOS and Windows disks ignore case). A key whose preferred name collides with another's gets its
 * fallback name; if fallbacks collide too, the command is refused naming the keys.
 *
 * @param keys - the distinct inputs, e.g. file names `a.jpg`, `a.png`
 * @param preferred - the usual name of a key, e.g. the file name without extension
 * @param fallback - a more specific name used on collision, e.g. the full file name
 * @param what - what the keys are, for the message (`images`, `techniques`)
 * @param command - the command name, for the message
 * @returns key → unique name
 * @throws {@link CliUsageError} naming the colliding keys
 */
export function uniqueOutputNames(
  keys: readonly string[],
  preferred: (key: string) => string,
  fallback: (key: string) => string,
  what: string,
  command: string,
): Map<string, string> {
  const byName = new Map<string, string[]>();
  for (const k of keys) {
    const n = preferred(k).toLowerCase();
    byName.set(n, [...(byName.get(n) ?? []), k]);
  }
  const names = new Map<string, string>();
  for (const k of keys) names.set(k, byName.get(preferred(k).toLowerCase())!.length > 1 ? fallback(k) : preferred(k));
  const owners = new Map<string, string>();
  for (const [k, n] of names) {
    const other = owners.get(n.toLowerCase());
    if (other !== undefined) {
      throw new CliUsageError(`${command}: the ${what} "${other}" and "${k}" would write files of the same name (${n}); rename one of them`);
    }
    owners.set(n.toLowerCase(), k);
  }
  return names;
}
