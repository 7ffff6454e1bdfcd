/**
 * The small summary the read model keeps of each discrepancy (its key and differing paths), so
 * that a filtered read or a count by field need not fetch and parse the verdicts it looks at.
 */

/** What a filtered read checks of a discrepancy without fetching it: its key and differing paths. */
export function encodeFilterFields(key: string | null | undefined, paths: readonly string[]): string {
  // Length-prefixed, so a key may hold any character, separators included.
  const k = key ?? '';
  return `${key === null || key === undefined ? '-' : k.length}:${k}${paths.join('\x1f')}`;
}

export function decodeFilterFields(text: string): { key: string | null; paths: readonly string[] } | undefined {
  const colon = text.indexOf(':');
  if (colon < 1) return undefined;
  const head = text.slice(0, colon);
  const length = head === '-' ? 0 : Number(head);
  if (!Number.isInteger(length) || length < 0 || colon + 1 + length > text.length) return undefined;
  const rest = text.slice(colon + 1 + length);
  return { key: head === '-' ? null : text.slice(colon + 1, colon + 1 + length), paths: rest === '' ? [] : rest.split('\x1f') };
}

/** The filter fields of a stored verdict JSON (a verdict recorded before the summary existed). */
export function filterFieldsOfJson(json: string): { key: string | null; paths: readonly string[] } | undefined {
  try {
    const v = JSON.parse(json) as { key?: unknown; differences?: { path?: unknown }[] };
    const paths = Array.isArray(v.differences) ? v.differences.map((d) => (typeof d?.path === 'string' ? d.path : '')) : [];
    return { key: typeof v.key === 'string' ? v.key : null, paths };
  } catch {
    return undefined;
  }
}
