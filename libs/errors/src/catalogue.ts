/**
 * Whether an error may be retried is a property of its code, declared once beside the codes
 * (`declareRetriability` in each package's errors.ts), not chosen where it is thrown. A
 * ShadowdiffError takes its `retriable` from here; docs/errors.md says the same for every code
 * (test/docs/errors-documented.test.ts).
 */
const RETRIABLE = new Map<string, boolean>();

/** Declares each code's retriability; the record type makes a package list every code it has. */
export function declareRetriability<C extends string>(codes: Readonly<Record<C, boolean>>): void {
  for (const [code, retriable] of Object.entries(codes) as [string, boolean][]) {
    const before = RETRIABLE.get(code);
    if (before !== undefined && before !== retriable) throw new TypeError(`${code} is declared both retriable and not`);
    RETRIABLE.set(code, retriable);
  }
}

/** The declared retriability of a code; false for a code nobody declared. */
export function isRetriableCode(code: string): boolean {
  return RETRIABLE.get(code) ?? false;
}

/** Every code declared so far, with its retriability. */
export function declaredCodes(): ReadonlyMap<string, boolean> {
  return RETRIABLE;
}
