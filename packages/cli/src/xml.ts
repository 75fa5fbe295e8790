/**
 * Escaping text for the SVG charts the CLI draws.
 *
 * @packageDocumentation
 */

/**
 * Escapes `<`, `>`, `&` and `"` so that text can stand in SVG/XML content and attribute values.
 *
 * @param text - any text (technique names, titles)
 * @example
 * ```ts
 * escapeXml('a<b & "c"'); // 'a&lt;b &amp; &quot;c&quot;'
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
