/**
 * The experiment file of `rfm compare --config FILE.json`: data, backbone, methods and their
 * options, iterations (or a list of budgets for a sweep), seeds, all in one validated file. The
 * resolved form is saved as `OUT/compare-config.json`.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { backboneNames } from '@rfm/models';
import { CliUsageError } from './command.js';
import { checkLocalPath } from './local-paths.js';
import { erasingMethodNames, type ErasingMethodOptions } from './erasing-methods.js';
import { PRESETS, type TrainConfig } from './train-config.js';

/** Options of one erasing method in an experiment (the size-independent part of {@link ErasingMethodOptions}). */
export type MethodOptions = Omit<ErasingMethodOptions, 'inputSize'>;

/** One method of a comparison: `none` (the plain baseline) or an erasing plugin with options. */
export interface MethodChoice {
  /** `none`, `sfe`, `psfe`, `re` or `ae`. */
  readonly name: string;
  /** Plugin options (empty = the method's defaults). */
  readonly options: MethodOptions;
}

/** A fully resolved comparison: what `rfm compare` runs, saved as `compare-config.json`. */
export interface CompareConfig {
  /** Config format version. */
  readonly version: 1;
  /** Training settings shared by every run (its `augment` and `seed` are set per run). */
  readonly train: TrainConfig;
  /** Methods, in order; `none` is the baseline of the paired differences. */
  readonly methods: readonly MethodChoice[];
  /** Training seeds; every method runs once per seed. */
  readonly seeds: readonly number[];
  /** Iteration budgets, ascending; one comparison per budget (a sweep when more than one). */
  readonly budgets: readonly number[];
  /** Bootstrap resamples and seed of the confidence intervals. */
  readonly bootstrap: { readonly resamples: number; readonly seed: number };
}

/** Default methods of `rfm compare`. */
export const DEFAULT_COMPARE_METHODS: readonly string[] = ['none', 'sfe', 're', 'ae'];

/** Keys an experiment file may hold. */
export const COMPARE_CONFIG_KEYS: readonly string[] = [
  'data', 'out', 'backbone', 'backboneOptions', 'size', 'resize', 'methods', 'iterations', 'budgets', 'seeds', 'seed',
  'batch', 'lr', 'flood', 'evalEvery', 'selectOn', 'split', 'bootstrap',
];

/** Known method names (`none` plus the erasing plugins). */
export function compareMethodNames(): string[] {
  return ['none', ...erasingMethodNames()];
}

/**
 * Checks a method list: known names, no repeats.
 *
 * @param methods - chosen methods
 * @param name - names the list (or one entry, given its index) in errors, e.g. `--methods` or `field "methods[2]"`
 * @throws {@link CliUsageError} naming the field and the value
 */
export function checkMethods(methods: readonly MethodChoice[], name: (index?: number) => string): void {
  const known = compareMethodNames();
  if (methods.length === 0) throw new CliUsageError(`compare: ${name()} is empty; list some of ${known.join(', ')}`);
  for (const [i, m] of methods.entries()) {
    if (!known.includes(m.name)) throw new CliUsageError(`compare: ${name(i)} is "${m.name}", not a method; use ${known.join(', ')}`);
  }
  const names = methods.map((m) => m.name);
  if (new Set(names).size !== names.length) throw new CliUsageError(`compare: ${name()} lists a method twice (${names.join(', ')})`);
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads and validates an experiment file. Relative `data` paths are taken from the file's folder.
 *
 * @param file - path of the JSON file
 * @param base - defaults from the command line (the quick preset and any flags)
 * @returns the resolved config and the `out` folder the file names, if any
 * @throws {@link CliUsageError} naming the field at fault
 * @example
 * ```json
 * { "data": "../data/ffhq-tpdne-4k", "methods": ["none", "sfe"], "budgets": [500, 1000, 2000], "seeds": 2 }
 * ```
 */
export function readCompareConfig(file: string, base: Omit<CompareConfig, 'version'>): { config: CompareConfig; out?: string } {
  const where = `config ${file}`;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliUsageError(`compare: ${where} is not readable JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isObject(raw)) throw new CliUsageError(`compare: ${where} must hold a JSON object`);
  const fail = (field: string, what: string, value: unknown): never => {
    throw new CliUsageError(`compare: ${where}: field "${field}" ${what}, got ${JSON.stringify(value)}`);
  };
  for (const k of Object.keys(raw)) if (!COMPARE_CONFIG_KEYS.includes(k)) fail(k, `is not a config field (fields: ${COMPARE_CONFIG_KEYS.join(', ')})`, raw[k]);
  const int = (field: string, v: unknown, min: number): number => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) fail(field, `must be an integer >= ${min}`, v);
    return v as number;
  };
  const num = (field: string, v: unknown, min: number, max: number): number => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max)) fail(field, `must be a number in [${min}, ${max}]`, v);
    return v as number;
  };
  const str = (field: string, v: unknown): string => {
    if (typeof v !== 'string' || v === '') fail(field, 'must be a non-empty string', v);
    return v as string;
  };
  const t = base.train;
  for (const field of ['data', 'out'] as const) if (typeof raw[field] === 'string') checkLocalPath(`compare: ${where}: field "${field}"`, raw[field] as string);
  const data = raw.data === undefined ? t.data : resolve(dirname(file), str('data', raw.data));
  if (!existsSync(data)) fail('data', 'names no file or folder', raw.data);
  const backbone = raw.backbone === undefined ? t.backbone : str('backbone', raw.backbone);
  if (!backboneNames().includes(backbone)) fail('backbone', `must be one of ${backboneNames().join(', ')}`, backbone);
  if (raw.backboneOptions !== undefined && !isObject(raw.backboneOptions)) fail('backboneOptions', 'must be an object', raw.backboneOptions);
  const size = raw.size === undefined ? (backbone === t.backbone ? t.backboneOptions.inputSize : PRESETS.quick.size) : int('size', raw.size, 16);
  const keepOptions = raw.backbone === undefined || backbone === t.backbone;
  const backboneOptions = { ...(keepOptions ? t.backboneOptions : {}), ...((raw.backboneOptions as Json | undefined) ?? {}), inputSize: size };
  const resize = raw.resize === undefined ? Math.max(size, keepOptions ? t.resize : size) : int('resize', raw.resize, size);

  let methods = base.methods;
  if (raw.methods !== undefined) {
    if (!Array.isArray(raw.methods)) fail('methods', 'must be a list such as ["none", "sfe"]', raw.methods);
    methods = (raw.methods as unknown[]).map((m, i) => {
      if (typeof m === 'string') return { name: m, options: {} };
      if (!isObject(m) || typeof m.name !== 'string') return fail(`methods[${i}]`, 'must be a name or {"name": ..., "options": {...}}', m);
      const o = m.options ?? {};
      if (!isObject(o)) return fail(`methods[${i}].options`, 'must be an object', o);
      const options: Record<string, number> = {};
      for (const [k, v] of Object.entries(o)) {
        if (k === 'blocks') options.blocks = int(`methods[${i}].options.blocks`, v, 1);
        else if (k === 'maxSize') options.maxSize = num(`methods[${i}].options.maxSize`, v, 1e-6, 4096);
        else if (k === 'probability') options.probability = num(`methods[${i}].options.probability`, v, 0, 1);
        else fail(`methods[${i}].options.${k}`, 'is not an option (blocks, maxSize, probability)', v);
      }
      return { name: m.name, options };
    });
  }
  checkMethods(methods, (i) => `${where}: field "methods${i === undefined ? '' : `[${i}]`}"`);

  let seeds = base.seeds;
  const firstSeed = raw.seed === undefined ? (base.seeds[0] ?? t.seed) : int('seed', raw.seed, 0);
  if (raw.seeds !== undefined) {
    if (Array.isArray(raw.seeds)) {
      seeds = (raw.seeds as unknown[]).map((s, i) => int(`seeds[${i}]`, s, 0));
      if (seeds.length === 0) fail('seeds', 'must list at least one seed', raw.seeds);
      if (new Set(seeds).size !== seeds.length) fail('seeds', 'lists a seed twice', raw.seeds);
    } else {
      seeds = seedList(firstSeed, int('seeds', raw.seeds, 1));
    }
  } else if (raw.seed !== undefined) {
    seeds = seedList(firstSeed, base.seeds.length);
  }

  const evalEvery = raw.evalEvery === undefined ? t.trainer.evalEvery : int('evalEvery', raw.evalEvery, 1);
  let budgets = base.budgets;
  if (raw.iterations !== undefined && raw.budgets !== undefined) fail('budgets', 'and "iterations" exclude each other (a single budget is "iterations")', raw.budgets);
  if (raw.iterations !== undefined) budgets = [int('iterations', raw.iterations, 1)];
  if (raw.budgets !== undefined) {
    if (!Array.isArray(raw.budgets) || raw.budgets.length === 0) fail('budgets', 'must be a non-empty list of iteration counts', raw.budgets);
    budgets = (raw.budgets as unknown[]).map((b, i) => int(`budgets[${i}]`, b, 1));
    for (let i = 1; i < budgets.length; i++) if (budgets[i]! <= budgets[i - 1]!) fail('budgets', 'must be strictly ascending', raw.budgets);
    for (const [i, b] of budgets.entries()) if (b % evalEvery !== 0) fail(`budgets[${i}]`, `must be a multiple of evalEvery (${evalEvery}) so that each point equals a run of that length`, b);
  }

  let split = t.split;
  if (raw.split !== undefined) {
    if (!isObject(raw.split)) fail('split', 'must be {"validation": F, "test": F, "seed": S}', raw.split);
    const s = raw.split as Json;
    for (const k of Object.keys(s)) if (!['validation', 'test', 'seed'].includes(k)) fail(`split.${k}`, 'is not a split field (validation, test, seed)', s[k]);
    split = {
      validation: s.validation === undefined ? split.validation : num('split.validation', s.validation, 0.01, 0.9),
      test: s.test === undefined ? split.test : num('split.test', s.test, 0.01, 0.9),
      seed: s.seed === undefined ? split.seed : int('split.seed', s.seed, 0),
    };
    if (split.validation + split.test >= 0.95) fail('split', 'must leave images for training (validation + test < 0.95)', raw.split);
  }
  let bootstrap = base.bootstrap;
  if (raw.bootstrap !== undefined) {
    if (!isObject(raw.bootstrap)) fail('bootstrap', 'must be {"resamples": N, "seed": S}', raw.bootstrap);
    const b = raw.bootstrap as Json;
    bootstrap = {
      resamples: b.resamples === undefined ? bootstrap.resamples : int('bootstrap.resamples', b.resamples, 1),
      seed: b.seed === undefined ? bootstrap.seed : int('bootstrap.seed', b.seed, 0),
    };
  }
  const batch = raw.batch === undefined ? t.batch : int('batch', raw.batch, 2);
  if (batch % 2 !== 0) fail('batch', 'must be even (half real, half fake)', batch);
  const selectChoices = ['auc', 'ap', 'acc', 'tdr@1e-2', 'tdr@1e-3', 'tdr@1e-4'];
  const selectOn = raw.selectOn === undefined ? t.trainer.selectOn : str('selectOn', raw.selectOn);
  if (!selectChoices.includes(selectOn)) fail('selectOn', `must be one of ${selectChoices.join(', ')}`, selectOn);
  const train: TrainConfig = {
    ...t,
    data,
    backbone,
    backboneOptions,
    resize,
    batch,
    split,
    trainer: {
      ...t.trainer,
      iterations: budgets[budgets.length - 1]!,
      learningRate: raw.lr === undefined ? t.trainer.learningRate : num('lr', raw.lr, 1e-8, 1),
      floodLevel: raw.flood === undefined ? t.trainer.floodLevel : num('flood', raw.flood, 0, 10),
      evalEvery,
      checkpointEvery: evalEvery,
      selectOn: selectOn as TrainConfig['trainer']['selectOn'],
    },
  };
  const out = raw.out === undefined ? undefined : resolve(dirname(file), str('out', raw.out));
  return { config: { version: 1, train, methods, seeds, budgets, bootstrap }, ...(out === undefined ? {} : { out }) };
}

/**
 * `count` consecutive seeds starting at `first`.
 *
 * @param first - first seed
 * @param count - how many
 */
export function seedList(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/**
 * One run of an experiment: its folder relative to the comparison folder (`METHOD`, or
 * `METHOD/seed-S` with several seeds) and its training configuration.
 *
 * @param config - the resolved experiment
 * @param method - the erasing method (`none` = the plain baseline) and its options
 * @param seed - the run's training seed
 * @param iterations - the run's training budget
 */
export function experimentRun(config: CompareConfig, method: MethodChoice, seed: number, iterations: number): { run: string; train: TrainConfig } {
  const run = config.seeds.length > 1 ? `${method.name}/seed-${seed}` : method.name;
  const train: TrainConfig = {
    ...config.train,
    augment: method.name === 'none' ? [] : [method.name],
    ...(method.name === 'none' || Object.keys(method.options).length === 0 ? {} : { augmentOptions: { [method.name]: method.options } }),
    seed,
    trainer: { ...config.train.trainer, iterations, seed },
  };
  return { run, train };
}
