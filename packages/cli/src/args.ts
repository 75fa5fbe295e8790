/**
 * Argument parsing helpers over `node:util` `parseArgs`, turning every mistake into a
 * {@link CliUsageError} that names the flag and the expected value.
 *
 * @packageDocumentation
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageError } from './command.js';

/** Option specs as accepted by `parseArgs`. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and positionals. */
export interface ParsedArgs {
  /** Flag values by long name. */
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Positional arguments. */
  readonly positionals: string[];
}

/**
 * Parses `args` strictly (unknown flags are errors).
 *
 * @param command - command name for messages
 * @param args - raw arguments after the command name
 * @param options - flag specs (`--help` is added)
 * @param allowPositionals - whether positional arguments are accepted
 */
export function parseCommandArgs(command: string, args: string[], options: OptionSpecs, allowPositionals = false): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new CliUsageError(`${command}: ${msg} (see rfm ${command} --help)`);
  }
}

/** A required string flag. */
export function requiredString(p: ParsedArgs, name: string, command: string): string {
  const v = p.values[name];
  if (typeof v !== 'string' || v === '') throw new CliUsageError(`${command}: --${name} is required (see rfm ${command} --help)`);
  return v;
}

/** An optional string flag. */
export function optionalString(p: ParsedArgs, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * An optional integer flag within `[min, max]`.
 *
 * @throws {@link CliUsageError} naming the flag and the value
 */
export function intFlag(p: ParsedArgs, name: string, command: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new CliUsageError(`${command}: --${name} must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], got "${String(v)}"`);
  }
  return n;
}

/**
 * An optional number flag within `[min, max]`.
 *
 * @throws {@link CliUsageError} naming the flag and the value
 */
export function numberFlag(p: ParsedArgs, name: string, command: string, min: number, max = Infinity): number | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new CliUsageError(`${command}: --${name} must be a number in [${min}, ${max}], got "${String(v)}"`);
  }
  return n;
}

/**
 * A flag restricted to a set of values.
 *
 * @throws {@link CliUsageError} listing the accepted values
 */
export function choiceFlag<T extends string>(p: ParsedArgs, name: string, command: string, choices: readonly T[]): T | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new CliUsageError(`${command}: --${name} must be one of ${choices.join(', ')}, got "${String(v)}"`);
  }
  return v as T;
}

/** A repeatable string flag, also accepting comma-separated values. */
export function listFlag(p: ParsedArgs, name: string): string[] {
  const v = p.values[name];
  const raw = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return raw.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}
