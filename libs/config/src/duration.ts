const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** What a duration looks like in the config, for error messages. */
export const DURATION_FORMAT = 'a duration such as "500ms", "30s", "10m", "1h"';

/**
 * Parses a config duration ("500ms", "30s", "10m", "1h", "1d") into milliseconds.
 * Returns undefined for anything else: a bare number is refused on purpose, since "30" could mean
 * seconds or milliseconds and a wrong guess silently breaks the pairing window.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
}
