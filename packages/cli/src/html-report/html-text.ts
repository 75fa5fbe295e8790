/**
 * Numbers as the report prints them (escaping lives in `../xml.ts`).
 *
 * @packageDocumentation
 */

/** A fraction as a percentage with two decimals (`0.8123` → `81.23`), `-` when absent or not finite. */
export function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : (100 * value).toFixed(2);
}

/** A signed difference of fractions in percentage points (`+1.20`, `-0.35`), `-` when absent. */
export function signedPercent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  const s = (100 * value).toFixed(2);
  return value > 0 ? `+${s}` : s;
}
