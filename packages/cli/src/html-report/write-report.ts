/**
 * Writing `report.html`: one call per command (`rfm train`, `rfm eval`, `rfm compare`) gathers the
 * run's data, computes the figures, renders the page and writes it atomically.
 *
 * @packageDocumentation
 */
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@rfm/core';
import type { CliIO } from '../command.js';
import { gatherComparisonReport, gatherEvalReport, gatherTrainReport, type EvalReportInput } from './gather-report.js';
import { renderReport } from './render-report.js';
import type { ReportFigureOptions } from './report-figures.js';
import type { ReportData } from './report-model.js';

/** File name of the report in a run or comparison folder. */
export const REPORT_FILE = 'report.html';

async function write(path: string, data: Promise<ReportData>, io: CliIO): Promise<string> {
  writeFileAtomic(path, renderReport(await data));
  io.err(`report: ${path}\n`);
  return path;
}

/**
 * Writes `RUN_DIR/report.html` for a finished `rfm train` run.
 *
 * @param runDir - the run folder
 * @param io - progress and the final path
 * @param options - figure sizes
 * @returns the report's path
 */
export async function writeTrainReport(runDir: string, io: CliIO, options: ReportFigureOptions = {}): Promise<string> {
  return write(join(resolve(runDir), REPORT_FILE), gatherTrainReport(runDir, io, options), io);
}

/**
 * Writes the report of an `rfm eval` run to `path`.
 *
 * @param input - what was scored
 * @param path - destination `.html`
 * @param io - progress and the final path
 * @param options - figure sizes
 * @returns the report's path
 */
export async function writeEvalReport(input: EvalReportInput, path: string, io: CliIO, options: ReportFigureOptions = {}): Promise<string> {
  return write(resolve(path), gatherEvalReport(input, io, options), io);
}

/**
 * Writes `DIR/report.html` for a finished `rfm compare` folder.
 *
 * @param compareDir - the comparison folder (holding `comparison.json`)
 * @param io - progress and the final path
 * @param options - figure sizes
 * @returns the report's path
 */
export async function writeComparisonReport(compareDir: string, io: CliIO, options: ReportFigureOptions = {}): Promise<string> {
  return write(join(resolve(compareDir), REPORT_FILE), gatherComparisonReport(compareDir, io, options), io);
}
