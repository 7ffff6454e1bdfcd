/**
 * A serialised error (pino's `err`) without the arguments of the Redis commands it carries.
 * ioredis puts the failed command on its errors as `command: { name, args }`: for AUTH the args
 * are the user and password, for a script the records it was given (payloads in clear). The
 * name stays; the arguments become their count.
 */
export function withoutCommandArgs(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => withoutCommandArgs(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'command' && v !== null && typeof v === 'object' && 'args' in v) {
      const { name } = v as { name?: unknown };
      const args = (v as { args?: unknown }).args;
      out[key] = { name, args: Array.isArray(args) ? `[${args.length} arguments not logged]` : '[not logged]' };
    } else if (key === 'args' && depth > 0 && Array.isArray(v)) {
      out[key] = `[${v.length} arguments not logged]`;
    } else {
      out[key] = withoutCommandArgs(v, depth + 1);
    }
  }
  return out;
}
