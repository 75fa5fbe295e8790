/**
 * `@rfm/cli`: the `rfm` command line (train, eval, metrics, info, erase, fam, backend).
 *
 * @packageDocumentation
 */
export { runCli, topLevelHelp } from './main.js';
export { CliUsageError, processIO } from './command.js';
export type { CliCommand, CliIO } from './command.js';
export { COMMANDS } from './commands/index.js';
export { captureIO } from './capture-io.js';
export type { CapturedIO } from './capture-io.js';
export { cliReference } from './reference.js';
export type { FlagKind, FlagSpec } from './flags.js';
export { renderReport } from './html-report/render-report.js';
export { gatherComparisonReport, gatherEvalReport, gatherTrainReport } from './html-report/gather-report.js';
export type { EvalReportInput } from './html-report/gather-report.js';
export { writeComparisonReport, writeEvalReport, writeTrainReport, REPORT_FILE } from './html-report/write-report.js';
export type { ReportFigureOptions } from './html-report/report-figures.js';
export type * from './html-report/report-model.js';
export { loadRunModel } from './run-model.js';
export type { RunModel } from './run-model.js';
export { createBackboneScorer, cropsToInputs, runTransform } from './face-scorer.js';
export type { TrainConfig, PresetName } from './train-config.js';
export type { ErasingMethodOptions } from './erasing-methods.js';
