/**
 * What may be said of an error raised while reading or comparing a payload: its class, its code
 * and a position, never its message. Parsers, schema libraries and users' normalisers put payload
 * text into their messages (`Unexpected token 'x', "4111…" is not valid JSON`, `invalid "long":
 * 4111…`, `bad card ${value}`), and a reason is stored and emitted where redaction cannot reach
 * inside free text.
 */
export function describeWithoutData(error: unknown): string {
  if (!(error instanceof Error)) return error === null || error === undefined ? 'no error' : `a thrown ${typeof error}`;
  const name = /^[A-Za-z_$][\w$]{0,60}$/.test(error.name) ? error.name : 'Error';
  const raw = (error as Error & { code?: unknown }).code;
  const code = typeof raw === 'string' && /^[A-Z0-9_]{1,60}$/.test(raw) ? ` ${raw}` : '';
  const position = /\bposition (\d{1,12})\b/.exec(error.message)?.[1];
  const line = /\(line (\d{1,12}) column (\d{1,12})\)/.exec(error.message);
  const where = position === undefined ? '' : ` at position ${position}${line ? ` (line ${line[1]} column ${line[2]})` : ''}`;
  const end = /unexpected end|truncated/i.test(error.message) ? ' (the input ends too early)' : '';
  return `${name}${code}${where}${end}`;
}
