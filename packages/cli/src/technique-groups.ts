/**
 * Grouping dataset items by forgery technique, in the order figures show them.
 *
 * @packageDocumentation
 */
import { REAL_TECHNIQUE, type DatasetItem } from '@rfm/data';

/**
 * Items by technique: `real` first, then fake techniques in name order (code-unit order).
 *
 * @param items - dataset items
 */
export function groupByTechnique(items: readonly DatasetItem[]): [string, DatasetItem[]][] {
  const groups = new Map<string, DatasetItem[]>();
  for (const it of items) groups.set(it.technique, [...(groups.get(it.technique) ?? []), it]);
  return [...groups.entries()].sort(([a], [b]) => (a === REAL_TECHNIQUE ? -1 : b === REAL_TECHNIQUE ? 1 : a < b ? -1 : a > b ? 1 : 0));
}
