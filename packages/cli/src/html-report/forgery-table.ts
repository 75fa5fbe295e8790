/**
 * Builds the report's per-region table (paper Table 6) from per-technique results: the AUC of
 * each less-forgery region and each blended set per detector, and its drop versus the full
 * (one-stage) fakes of the same data.
 *
 * @packageDocumentation
 */
import { FACE_REGIONS, SYNTH_METHODS } from '@rfm/synth';
import { forgeryKind, lessForgeryRegion } from '../forgery-kinds.js';
import type { TechniqueResult } from '../technique-results.js';
import type { ForgeryCell, ForgeryRow, ForgeryTable } from './report-model.js';

/** A {@link TechniqueResult} whose interval may be missing (results read from files written before the intervals). */
export type TechniqueNumbers = Omit<TechniqueResult, 'ci95'> & { readonly ci95?: readonly [number, number] };

/** Per-technique results of one detector (a method of a comparison, or the run of an evaluation). */
export interface DetectorTechniques {
  /** Row name. */
  readonly name: string;
  /** Extra label, e.g. `seed 2`. */
  readonly detail?: string;
  /** Its results per fake technique. */
  readonly techniques: readonly TechniqueNumbers[];
}

const order = (technique: string): number => {
  const region = lessForgeryRegion(technique);
  if (region) return FACE_REGIONS.indexOf(region);
  const synth = (SYNTH_METHODS as readonly string[]).indexOf(technique);
  return FACE_REGIONS.length + (synth >= 0 ? synth : SYNTH_METHODS.length);
};

/**
 * The per-region table, or `undefined` when no detector scored less-forgery or blended fakes.
 * The drop of a cell is its AUC minus the row's full-fake AUC (the mean over the one-stage
 * techniques of that row; absent when the data holds none).
 *
 * @param detectors - rows, in display order
 * @param caption - the sentence above the table
 * @param baseline - the method differences are taken against, if any
 * @example
 * ```ts
 * const table = forgeryTable([{ name: 'none', techniques: entry.techniques }], 'Test split');
 * table?.rows[0]?.cells[0]?.drop; // AUC(less-eyes) − AUC(stylegan2)
 * ```
 */
export function forgeryTable(detectors: readonly DetectorTechniques[], caption: string, baseline?: string): ForgeryTable | undefined {
  const all = [...new Set(detectors.flatMap((d) => d.techniques.map((t) => t.technique)))];
  const columns = all
    .filter((t) => forgeryKind(t) === 'less-forgery' || forgeryKind(t) === 'blended')
    .sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (columns.length === 0) return undefined;
  const reference = all.filter((t) => forgeryKind(t) === 'one-stage').sort();
  const rows = detectors.map((d): ForgeryRow => {
    const full = d.techniques.filter((t) => reference.includes(t.technique));
    const fullAuc = full.length > 0 ? full.reduce((s, t) => s + t.auc, 0) / full.length : undefined;
    const cells = columns.map((c): ForgeryCell | undefined => {
      const t = d.techniques.find((x) => x.technique === c);
      if (!t) return undefined;
      return {
        technique: c,
        nFake: t.nFake,
        auc: t.auc,
        ...(t.ci95 ? { aucCi95: t.ci95 } : {}),
        ...(fullAuc !== undefined ? { drop: t.auc - fullAuc } : {}),
        ...(t.diffToBaseline ? { diff: { auc: t.diffToBaseline.auc, aucCi95: t.diffToBaseline.ci95 } } : {}),
      };
    });
    return {
      name: d.name,
      ...(d.detail ? { detail: d.detail } : {}),
      ...(fullAuc !== undefined ? { fullAuc } : {}),
      ...(full.length === 1 && full[0]!.ci95 ? { fullAucCi95: full[0]!.ci95 } : {}),
      cells,
    };
  });
  const label = (t: string) => {
    const region = lessForgeryRegion(t);
    return region ? `${region} real` : `${t} (blended)`;
  };
  return { caption, reference, columns: columns.map((technique) => ({ technique, label: label(technique) })), rows, ...(baseline ? { baseline } : {}) };
}
