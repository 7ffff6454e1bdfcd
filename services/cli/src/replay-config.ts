/** `shadowdiff replay`'s joiner config, derived from the user's. */
import { parseDocument, stringify } from 'yaml';
import { CliError, CliErrorCode } from './errors.ts';

/**
 * The user's config text with the replay's namespace: its Redis prefix, topic prefix and group, a
 * metrics port of its own, and the one comparison reading the copies in shadow mode with the
 * replay's maxWait. Aliases are expanded (the comparisons dropped may hold their anchors); the
 * API's section is dropped (its tokens are not the joiner's business); everything else stays as
 * written. Secrets are references in any valid config (`{ env }`, `{ file }`, never values), so
 * none is copied.
 */
export function replayConfig(text: string, r: { name: string; namespace: string; redisPrefix: string; inputs: { old: string; new: string }; maxWait: string; metricsPort: number }): string {
  const raw: unknown = parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 1000 });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliError(CliErrorCode.USAGE, 'the config is not a mapping');
  const config = raw as Record<string, unknown>;
  const section = (name: string): Record<string, unknown> => {
    const value = config[name];
    return (config[name] = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  };
  section('redis').keyPrefix = r.redisPrefix;
  section('topics').prefix = r.namespace;
  Object.assign(section('joiner'), { groupId: `${r.namespace}.joiner`, metricsPort: r.metricsPort, metricsHost: '127.0.0.1' });
  delete config.api;
  const comparisons = Array.isArray(config.comparisons) ? (config.comparisons as Record<string, unknown>[]) : [];
  const comparison = comparisons.find((c) => typeof c === 'object' && c !== null && c.name === r.name);
  if (comparison === undefined) throw new CliError(CliErrorCode.USAGE, `the config has no comparison "${r.name}"`);
  config.comparisons = [
    {
      ...comparison,
      old: { ...(comparison.old as object), topic: r.inputs.old },
      new: { ...(comparison.new as object), topic: r.inputs.new },
      mode: 'shadow',
      maxWait: r.maxWait,
    },
  ];
  return `# Written by 'shadowdiff replay' for ${r.namespace}; removed when it ends.\n${stringify(config)}`;
}
