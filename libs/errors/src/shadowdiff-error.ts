import { isRetriableCode } from './catalogue.ts';

/**
 * The one base class of every error shadowdiff throws on purpose. `code` is stable and documented
 * in docs/errors.md; retry logic looks at `retriable`, never at the message text. Whether a code is
 * retriable is declared once for the code (catalogue.ts), never at the throw.
 */
export interface ShadowdiffErrorOptions {
  readonly cause?: unknown;
}

/** The names of an error's classes, its own first, under a symbol every copy of this package shares. */
const KINDS = Symbol.for('shadowdiff.errors.kinds');

export class ShadowdiffError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: ShadowdiffErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = isRetriableCode(code);
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) kinds.push((c as { name: string }).name);
    Object.defineProperty(this, KINDS, { value: Object.freeze(kinds), enumerable: false });
  }

  /**
   * `instanceof` by brand, not by prototype: an error thrown by another copy of a package (two
   * versions installed side by side, each with its own classes) is still a ShadowdiffError, and a
   * StoreError of one copy is a StoreError to the other. A class is matched by its name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const kinds = value !== null && typeof value === 'object' ? (value as { [KINDS]?: unknown })[KINDS] : undefined;
    return Array.isArray(kinds) && kinds.includes(this.name);
  }
}

export function isShadowdiffError(value: unknown): value is ShadowdiffError {
  return value instanceof ShadowdiffError;
}

/**
 * An error and the errors it wraps, outermost first (`cause` after `cause`, at most 10 deep):
 * kafkajs and ioredis wrap what they caught, and the part that says what happened is often inside.
 */
export function* causeChain(error: unknown): Generator<Record<string, unknown>> {
  let e = error;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 10; depth += 1) {
    yield e as Record<string, unknown>;
    e = (e as { cause?: unknown }).cause;
  }
}
