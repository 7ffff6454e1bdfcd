import { ShadowdiffError, defineErrorCodes } from '@shadowdiff/errors';

export const ConfigErrorCode = defineErrorCodes({
  /** The file could not be read (missing, unreadable). */
  NOT_FOUND: { code: 'SHADOWDIFF_ERR_CONFIG_NOT_FOUND', retriable: false },
  /** The file is not well-formed YAML. */
  SYNTAX: { code: 'SHADOWDIFF_ERR_CONFIG_SYNTAX', retriable: false },
  /** The YAML is well-formed but does not match the configuration schema. */
  INVALID: { code: 'SHADOWDIFF_ERR_CONFIG_INVALID', retriable: false },
});
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** One thing wrong in a config file: where, what was expected, what was found. */
export interface ConfigProblem {
  /** Path inside the document, e.g. `comparisons[0].old.codec`. */
  readonly path: string;
  /** 1-based line of the offending node, when the YAML has one. */
  readonly line?: number;
  readonly expected: string;
  readonly found: string;
}

export class ConfigError extends ShadowdiffError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(code: ConfigErrorCode, file: string, problems: readonly ConfigProblem[], cause?: unknown) {
    super(code, formatProblems(file, problems), { cause });
    this.file = file;
    this.problems = problems;
  }
}

function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line === undefined ? `${file}` : `${file}:${p.line}`;
    return `  ${where}: ${p.path || '(document)'}: expected ${p.expected}, found ${p.found}`;
  });
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return `invalid configuration (${problems.length} ${noun}):\n${lines.join('\n')}`;
}
