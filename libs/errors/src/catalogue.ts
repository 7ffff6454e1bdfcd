/**
 * What a code means to a caller is a property of the code, declared once beside the codes
 * (`defineErrorCodes` in each package's errors.ts), never chosen where it is thrown: whether it
 * may be retried and, for a code the API answers with, its HTTP status. A ShadowdiffError takes
 * its `retriable` from here, an ApiError its status; docs/errors.md says the same for every code
 * (test/docs/errors-documented.test.ts).
 *
 * The catalogue lives on the global object under a registered symbol, so that two copies of this
 * package in one process (two versions installed side by side) read one catalogue.
 */
export interface CodeEntry {
  readonly code: string;
  readonly retriable: boolean;
  /** The HTTP status the API answers with, for the API's codes. */
  readonly status?: number;
}

const CATALOGUE = Symbol.for('shadowdiff.errors.catalogue');
const store = globalThis as { [CATALOGUE]?: Map<string, CodeEntry> };
const catalogue: Map<string, CodeEntry> = (store[CATALOGUE] ??= new Map());

/**
 * A package's error codes, each declared once:
 * `defineErrorCodes({ GAP: { code: 'SHADOWDIFF_ERR_STORE_GAP', retriable: false } })` gives
 * `{ GAP: 'SHADOWDIFF_ERR_STORE_GAP' }` and records what GAP means.
 */
export function defineErrorCodes<const T extends Record<string, CodeEntry>>(spec: T): { readonly [K in keyof T]: T[K]['code'] } {
  for (const entry of Object.values(spec)) {
    const before = catalogue.get(entry.code);
    if (before !== undefined && (before.retriable !== entry.retriable || before.status !== entry.status)) {
      throw new TypeError(`${entry.code} is declared twice, in two ways`);
    }
    catalogue.set(entry.code, { code: entry.code, retriable: entry.retriable, ...(entry.status === undefined ? {} : { status: entry.status }) });
  }
  return Object.fromEntries(Object.entries(spec).map(([name, { code }]) => [name, code])) as { readonly [K in keyof T]: T[K]['code'] };
}

/** The declared retriability of a code; false for a code nobody declared. */
export function isRetriableCode(code: string): boolean {
  return catalogue.get(code)?.retriable ?? false;
}

/** The declared HTTP status of a code; undefined for a code that declares none. */
export function httpStatusOfCode(code: string): number | undefined {
  return catalogue.get(code)?.status;
}
