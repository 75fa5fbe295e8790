/**
 * Escaping text for HTML and SVG, and formatting numbers as the report prints them.
 *
 * @packageDocumentation
 */

/** Escapes `<`, `>`, `&`, `"` and `'` for use in HTML/SVG text and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

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
