/**
 * Whether an error may be retried is a property of its code, declared once beside the codes
 * (`defineErrorCodes` in each package's errors.ts), not chosen where it is thrown. A
 * ShadowdiffError takes its `retriable` from here; docs/errors.md says the same for every code
 * (test/docs/errors-documented.test.ts).
 */
const RETRIABLE = new Map<string, boolean>();

/**
 * A package's error codes, each declared once with its retriability:
 * `defineErrorCodes({ GAP: { code: 'SHADOWDIFF_ERR_STORE_GAP', retriable: false } })` gives
 * `{ GAP: 'SHADOWDIFF_ERR_STORE_GAP' }` and records that GAP is not retriable.
 */
export function defineErrorCodes<const T extends Record<string, { readonly code: string; readonly retriable: boolean }>>(spec: T): { readonly [K in keyof T]: T[K]['code'] } {
  for (const { code, retriable } of Object.values(spec)) {
    const before = RETRIABLE.get(code);
    if (before !== undefined && before !== retriable) throw new TypeError(`${code} is declared both retriable and not`);
    RETRIABLE.set(code, retriable);
  }
  return Object.fromEntries(Object.entries(spec).map(([name, { code }]) => [name, code])) as { readonly [K in keyof T]: T[K]['code'] };
}

/** The declared retriability of a code; false for a code nobody declared. */
export function isRetriableCode(code: string): boolean {
  return RETRIABLE.get(code) ?? false;
}
