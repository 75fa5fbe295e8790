/**
 * Every flag of a command is declared once, in a table of {@link FlagSpec}s. The table gives the
 * `node:util` `parseArgs` options, the strict validation of each value (plain decimal integers,
 * plain decimal numbers, choices, file extensions, required flags) and the flag lines of the help
 * text, from which `docs/cli.md` is generated: the three cannot drift apart.
 *
 * @packageDocumentation
 */
import { extname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageError } from './command.js';
import { checkLocalPath } from './local-paths.js';

/**
 * What a flag's value is.
 * - `string`: any text (optionally restricted to file `extensions`);
 * - `boolean`: a switch without value;
 * - `int`: a plain decimal integer (`12`, `-3`; not `0x4`, `1e3` or `4.0`) within `[min, max]`;
 * - `number`: a plain decimal number (`0.5`, `2e-4`; not `0x4`, `Infinity` or ``) within `[min, max]`;
 * - `choice`: one of `choices`;
 * - `list`: repeatable, each occurrence also split at commas; items restricted to `choices` if given.
 */
export type FlagKind = 'string' | 'boolean' | 'int' | 'number' | 'choice' | 'list';

/** One flag: its name, what it accepts and its help text. */
export interface FlagSpec {
  /** Long name, without the dashes. */
  readonly name: string;
  /** Kind of value. */
  readonly kind: FlagKind;
  /** Placeholder of the value in the help text, e.g. `DIR` or `N` (none for booleans). */
  readonly value?: string;
  /** Help text; `\n` starts a continuation line. */
  readonly help: string;
  /** Smallest accepted value (`int`, `number`). */
  readonly min?: number;
  /** Largest accepted value (`int`, `number`). */
  readonly max?: number;
  /** Accepted values (`choice`, `list`). */
  readonly choices?: readonly string[];
  /** Accepted file extensions, lower case with the dot, e.g. `['.svg', '.png']` (`string`). */
  readonly extensions?: readonly string[];
  /** The command fails with exit code 2 when the flag is missing. */
  readonly required?: boolean;
  /** Value when the flag is absent; also shown as `(default X)` at the end of the help text. */
  readonly default?: string | number;
}

/** The validated flags of one invocation. */
export class Flags {
  /**
   * @param command - command name, for messages
   * @param specs - the command's flag table
   * @param values - validated values by flag name (numbers for `int`/`number`, arrays for `list`)
   * @param positionals - positional arguments
   */
  constructor(
    readonly command: string,
    readonly specs: readonly FlagSpec[],
    private readonly values: ReadonlyMap<string, string | number | boolean | string[]>,
    readonly positionals: readonly string[],
  ) {}

  /**
   * Whether the command's table declares the flag.
   *
   * @param name - flag name
   */
  declares(name: string): boolean {
    return this.specs.some((s) => s.name === name);
  }

  /**
   * Whether the flag was given on the command line.
   *
   * @param name - flag name
   */
  has(name: string): boolean {
    return this.values.has(this.spec(name).name);
  }

  /**
   * A `string` or `choice` flag (its default when absent).
   *
   * @param name - flag name
   */
  string<T extends string = string>(name: string): T | undefined {
    const v = this.values.get(name) ?? this.spec(name).default;
    return typeof v === 'string' ? (v as T) : undefined;
  }

  /**
   * A required `string` flag (the table marks it `required`, so it is present).
   *
   * @param name - flag name
   */
  required(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw missing(this.command, this.spec(name));
    return v;
  }

  /**
   * An `int` or `number` flag (its default when absent).
   *
   * @param name - flag name
   */
  number(name: string): number | undefined {
    const v = this.values.get(name) ?? this.spec(name).default;
    return typeof v === 'number' ? v : undefined;
  }

  /**
   * A `boolean` flag: true when given.
   *
   * @param name - flag name
   */
  bool(name: string): boolean {
    this.spec(name);
    return this.values.get(name) === true;
  }

  /**
   * A `list` flag's items, in order (empty when absent).
   *
   * @param name - flag name
   */
  list(name: string): string[] {
    this.spec(name);
    const v = this.values.get(name);
    return Array.isArray(v) ? [...v] : [];
  }

  private spec(name: string): FlagSpec {
    const spec = this.specs.find((s) => s.name === name);
    if (!spec) throw new Error(`${this.command}: no flag --${name} in the table`);
    return spec;
  }
}

const INT = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Parses and validates `args` against a flag table. Unknown flags, missing required flags and
 * every malformed or out-of-range value are a {@link CliUsageError} naming the flag, the value and
 * what is accepted. A value that starts with a dash (`--iterations -5`) is taken as the flag's
 * value, so that it is refused for what it is.
 *
 * @param command - command name for messages, e.g. `train` or `backend build-native`
 * @param args - arguments after the command name
 * @param specs - the command's flag table (`--help` is added)
 * @param allowPositionals - whether positional arguments are accepted
 */
export function parseFlags(command: string, args: readonly string[], specs: readonly FlagSpec[], allowPositionals = false): Flags {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const s of specs) options[s.name] = s.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: s.kind === 'list' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: bindDashValues(args, specs), options, strict: true, allowPositionals });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new CliUsageError(`${command}: ${msg} (see rfm ${command} --help)`);
  }
  const values = new Map<string, string | number | boolean | string[]>();
  for (const s of specs) {
    const raw = (parsed.values as Record<string, string | boolean | string[] | undefined>)[s.name];
    if (raw === undefined) {
      if (s.required) throw missing(command, s);
      continue;
    }
    values.set(s.name, validate(command, s, raw));
  }
  return new Flags(command, specs, values, parsed.positionals);
}

/** Joins `--flag -x` into `--flag=-x` for flags that take a value, so a negative number is a value, not a flag. */
function bindDashValues(args: readonly string[], specs: readonly FlagSpec[]): string[] {
  const takesValue = new Set(specs.filter((s) => s.kind !== 'boolean').map((s) => `--${s.name}`));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (takesValue.has(a) && next !== undefined && /^-[^-]/.test(next) && next !== '-h') {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function validate(command: string, s: FlagSpec, raw: string | boolean | string[]): string | number | boolean | string[] {
  if (s.kind === 'boolean') return raw === true;
  if (s.kind === 'list') {
    const items = (Array.isArray(raw) ? raw : [String(raw)]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
    for (const item of items) {
      if (s.choices && !s.choices.includes(item)) throw bad(command, s, item, `one of ${s.choices.join(', ')}`);
      if (PATH_VALUES.has(s.value ?? '')) checkLocalPath(`${command}: --${s.name}`, item);
    }
    return items;
  }
  const v = String(raw);
  switch (s.kind) {
    case 'int':
    case 'number': {
      const ok = s.kind === 'int' ? INT.test(v) : DECIMAL.test(v);
      const n = Number(v);
      const min = s.min ?? -Infinity;
      const max = s.max ?? Infinity;
      if (!ok || !Number.isFinite(n) || n < min || n > max) {
        const what = s.kind === 'int' ? 'a plain decimal integer' : 'a plain decimal number';
        throw bad(command, s, v, `${what} in [${fmt(min)}, ${fmt(max)}]`);
      }
      return n;
    }
    case 'choice':
      if (!s.choices!.includes(v)) throw bad(command, s, v, `one of ${s.choices!.join(', ')}`);
      return v;
    default:
      if (v === '') throw bad(command, s, v, s.value ? `a ${s.value}` : 'a value');
      if (PATH_VALUES.has(s.value ?? '')) checkLocalPath(`${command}: --${s.name}`, v);
      if (s.extensions && !s.extensions.includes(extname(v).toLowerCase())) {
        throw bad(command, s, v, `a file name ending in ${s.extensions.join(' or ')}`);
      }
      return v;
  }
}

/** Placeholders of flags whose value is a file or folder (checked to be a local path, not a URL). */
const PATH_VALUES = new Set(['DIR', 'FILE', 'RUN_DIR', 'PATH']);

function fmt(n: number): string {
  return n === Infinity ? '∞' : n === -Infinity ? '-∞' : String(n);
}

function bad(command: string, s: FlagSpec, value: string, expected: string): CliUsageError {
  return new CliUsageError(`${command}: --${s.name} must be ${expected}, got "${value}"`);
}

function missing(command: string, s: FlagSpec): CliUsageError {
  const choices = s.choices ? ` (one of ${s.choices.join(', ')})` : '';
  return new CliUsageError(`${command}: --${s.name} is required${choices} (see rfm ${command} --help)`);
}

/**
 * The flag lines of a help text, aligned in one column.
 *
 * @param specs - the flag table, in the order to show
 * @param column - column where the descriptions start (default: after the longest flag, at least 18)
 */
export function flagHelp(specs: readonly FlagSpec[], column = helpColumn(specs)): string {
  return specs
    .map((s) => {
      const lines = s.help.split('\n');
      if (s.default !== undefined) lines[lines.length - 1] += ` (default ${s.default})`;
      const head = `  ${label(s)}`;
      const first = head.length < column ? `${head.padEnd(column)}${lines[0]}` : `${head} ${lines[0]}`;
      return [first, ...lines.slice(1).map((l) => `${' '.repeat(column)}${l}`)].join('\n');
    })
    .join('\n');
}

/** The column after the longest `--flag VALUE` of a table (at least 18). */
export function helpColumn(specs: readonly FlagSpec[]): number {
  return Math.max(18, ...specs.map((s) => label(s).length + 5));
}

function label(s: FlagSpec): string {
  return `--${s.name}${s.value ? ` ${s.value}` : ''}`;
}

/**
 * A command's full help text: usage, description, the generated flag lines, then notes.
 *
 * @param usage - the usage line(s)
 * @param about - what the command does
 * @param specs - the flag table
 * @param notes - text after the flags (examples, exit codes), if any
 */
export function commandHelp(usage: string, about: string, specs: readonly FlagSpec[], notes?: string): string {
  return `${usage}\n\n${about}\n\n${flagHelp(specs)}\n${notes ? `\n${notes}\n` : ''}`;
}
