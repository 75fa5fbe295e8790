/**
 * The typed content of an HTML run report (`report.html`): everything the page shows, already
 * computed, so that rendering is a pure function of this data (see `renderReport`).
 *
 * @packageDocumentation
 */

/** Which command produced the report. */
export type ReportKind = 'train' | 'eval' | 'compare';

/** A closed interval `[low, high]`, e.g. a 95 % confidence interval. */
export type Interval = readonly [number, number];

/** TDR at one FDR, as `@rfm/metrics` reports it. */
export interface ReportTdr {
  /** False detection rate, e.g. 0.01. */
  readonly fdr: number;
  /** True detection rate at that FDR. */
  readonly tdr: number;
  /** False when there are fewer than 1/FDR reals: the number then means "fakes above every real". */
  readonly reliable: boolean;
}

/** Paired difference of one method to the baseline, on the same test images. */
export interface ReportDifference {
  /** AUC(method) − AUC(baseline). */
  readonly auc?: number;
  /** 95 % paired-bootstrap interval of the AUC difference. */
  readonly aucCi95?: Interval;
  /** AP(method) − AP(baseline). */
  readonly ap?: number;
  /** 95 % paired-bootstrap interval of the AP difference. */
  readonly apCi95?: Interval;
}

/** One row of the results table (a method of a comparison, or a technique of a single run). */
export interface ResultRow {
  /** Row name: the method (`none`, `sfe`...) or the technique (`all`, `stylegan2`...). */
  readonly name: string;
  /** Extra label, e.g. `seed 2`. */
  readonly detail?: string;
  /** Real and fake images scored. */
  readonly nReal?: number;
  /** Fake images scored. */
  readonly nFake?: number;
  /** Test AUC. */
  readonly auc?: number;
  /** 95 % bootstrap interval of the AUC. */
  readonly aucCi95?: Interval;
  /** TDR at the FDRs the run computed. */
  readonly tdr?: readonly ReportTdr[];
  /** Average precision. */
  readonly ap?: number;
  /** 95 % bootstrap interval of the AP. */
  readonly apCi95?: Interval;
  /** Equal error rate. */
  readonly eer?: number;
  /** Accuracy at the run's threshold. */
  readonly acc?: number;
  /** Difference to the baseline (comparisons; absent for the baseline itself). */
  readonly diff?: ReportDifference;
  /** Best validation score and its iteration (training runs). */
  readonly best?: { readonly metric: string; readonly value: number; readonly step: number };
  /** Wall time of the run, ms. */
  readonly ms?: number;
}

/** Mean and standard deviation of a quantity across seeds. */
export interface MeanStd {
  /** Mean over seeds. */
  readonly mean: number;
  /** Standard deviation over seeds. */
  readonly std: number;
}

/** One row of the across-seeds table (`rfm compare --seeds K`). */
export interface SeedSummaryRow {
  /** Method name. */
  readonly method: string;
  /** Number of seeds. */
  readonly n: number;
  /** Test AUC across seeds. */
  readonly auc?: MeanStd;
  /** AUC difference to the baseline across seeds. */
  readonly diffToBaseline?: MeanStd;
}

/** The results table and what it needs to be read. */
export interface ResultsTable {
  /** One sentence above the table: what was scored. */
  readonly caption: string;
  /** Rows, in display order. */
  readonly rows: readonly ResultRow[];
  /** The method differences are taken against, when the table compares methods. */
  readonly baseline?: string;
  /** Show the difference, validation and time columns (comparisons and training runs). */
  readonly columns: 'compare' | 'train' | 'eval';
  /** Across-seeds summary (comparisons with several seeds). */
  readonly seeds?: readonly SeedSummaryRow[];
}

/** One technique of the per-region table: the AUC of its fakes against all reals. */
export interface ForgeryCell {
  /** Technique, e.g. `less-eyes`. */
  readonly technique: string;
  /** Fakes scored. */
  readonly nFake: number;
  /** AUC against every real. */
  readonly auc: number;
  /** 95 % bootstrap interval of the AUC (absent in results written before the intervals). */
  readonly aucCi95?: Interval;
  /** AUC minus the row's full-fake AUC (absent without full fakes). */
  readonly drop?: number;
  /** Difference to the baseline on the same images (comparisons; absent for the baseline). */
  readonly diff?: { readonly auc: number; readonly aucCi95?: Interval };
}

/** One detector of the per-region table. */
export interface ForgeryRow {
  /** Method or run name. */
  readonly name: string;
  /** Extra label, e.g. `seed 2`. */
  readonly detail?: string;
  /** AUC on the full (one-stage) fakes: the mean over {@link ForgeryTable.reference} techniques. */
  readonly fullAuc?: number;
  /** Interval of {@link fullAuc} when there is a single reference technique. */
  readonly fullAucCi95?: Interval;
  /** One cell per {@link ForgeryTable.columns} entry (`undefined` where this detector has no such fakes). */
  readonly cells: readonly (ForgeryCell | undefined)[];
}

/** Paper Table 6: AUC per less-forgery region (and per blended set) per detector, with the drop versus the full fakes. */
export interface ForgeryTable {
  /** One sentence above the table. */
  readonly caption: string;
  /** One-stage techniques the drop is measured against (empty: no full fakes in the data). */
  readonly reference: readonly string[];
  /** Columns: less-forgery regions in eyes, nose, mouth, skin order, then blended techniques. */
  readonly columns: readonly { readonly technique: string; readonly label: string }[];
  /** Rows, in display order. */
  readonly rows: readonly ForgeryRow[];
  /** The method differences are taken against, when the table compares methods. */
  readonly baseline?: string;
}

/** Raw scores of one named set, for the ROC chart and the histograms. */
export interface ScoreSet {
  /** Legend name (method or technique). */
  readonly name: string;
  /** Labels, 0 = real, 1 = fake. */
  readonly labels: readonly number[];
  /** Scores, higher = more likely fake (P(fake) for rfm runs). */
  readonly scores: readonly number[];
}

/** An image embedded in the page. */
export interface ReportImage {
  /** `data:image/png;base64,...` */
  readonly dataUri: string;
  /** Pixel width. */
  readonly width: number;
  /** Pixel height. */
  readonly height: number;
  /** Alternative text. */
  readonly alt: string;
}

/** Average attention maps of one model (paper Figs. 7 and 8). */
export interface AttentionRow {
  /** Method (or run) whose detector produced the maps. */
  readonly name: string;
  /** One average map over the mean face per technique, in {@link AttentionFigures.techniques} order. */
  readonly maps: readonly ReportImage[];
  /** Cosine similarity of the average maps, technique × technique. */
  readonly similarity: readonly (readonly number[])[];
}

/** The attention section: average maps per method and technique, with their similarity matrices. */
export interface AttentionFigures {
  /** Attention method, e.g. `fam`. */
  readonly method: string;
  /** Techniques (columns), `real` first. */
  readonly techniques: readonly string[];
  /** Images averaged per technique. */
  readonly imagesPerTechnique: Readonly<Record<string, number>>;
  /** The mean face of each technique (the same images for every row). */
  readonly meanFaces: readonly ReportImage[];
  /** One row per method. */
  readonly rows: readonly AttentionRow[];
  /** Where the images come from, e.g. `test split`. */
  readonly source: string;
}

/** One erasing method applied to the grid's images. */
export interface ErasingRow {
  /** Method name. */
  readonly method: string;
  /** Which detector guided it, e.g. `its own trained model`. */
  readonly guidedBy: string;
  /** Erased images, in {@link ErasingGrid.originals} order. */
  readonly erased: readonly ReportImage[];
  /** Keep-masks (white = kept), same order. */
  readonly masks: readonly ReportImage[];
}

/** The same images as erased by each method (paper Fig. 4). */
export interface ErasingGrid {
  /** Image ids (columns). */
  readonly ids: readonly string[];
  /** Labels of the columns, 0 = real, 1 = fake. */
  readonly labels: readonly number[];
  /** The images as the network sees them (resized, centre crop). */
  readonly originals: readonly ReportImage[];
  /** One row pair (erased, mask) per method. */
  readonly rows: readonly ErasingRow[];
  /** Why the grid shows these methods, e.g. "the run trains with none; shown for illustration". */
  readonly note?: string;
}

/** Provenance of the run. */
export interface ReportProvenance {
  /** Backend the run trained or scored on. */
  readonly backend?: string;
  /** Package and runtime versions. */
  readonly versions?: Readonly<Record<string, string>>;
  /** SHA-256 of the dataset content. */
  readonly dataHash?: string;
  /** Dataset path or manifest. */
  readonly data?: string;
  /** The resolved configuration, shown as JSON. */
  readonly config?: unknown;
}

/** Everything one `report.html` shows. Sections whose data is absent say so instead. */
export interface ReportData {
  /** Command that produced the run. */
  readonly kind: ReportKind;
  /** Page title. */
  readonly title: string;
  /** One-paragraph summary under the title. */
  readonly summary: string;
  /** ISO time the report was written. */
  readonly createdAt: string;
  /** The metrics table. */
  readonly table: ResultsTable;
  /** Per-region table (less-forgery and blended fakes), when the scored data holds such fakes. */
  readonly forgeryTable?: ForgeryTable;
  /** Score sets drawn together on one ROC chart and as per-class histograms. */
  readonly scores: readonly ScoreSet[];
  /** Average attention maps and similarity (absent when they could not be computed). */
  readonly attention?: AttentionFigures;
  /** Why {@link attention} is absent. */
  readonly attentionMissing?: string;
  /** Erasing grid (absent when there is nothing to erase). */
  readonly erasing?: ErasingGrid;
  /** Why {@link erasing} is absent. */
  readonly erasingMissing?: string;
  /** Config, backend, versions and data hash. */
  readonly provenance: ReportProvenance;
}
