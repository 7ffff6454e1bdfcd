const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends an object key to a path: `a` + `b` → `a.b`; keys that are not identifiers are quoted. */
export function childPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Appends an array index to a path: `items` + 2 → `items[2]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
