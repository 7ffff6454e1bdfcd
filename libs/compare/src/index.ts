export { diff } from './diff.ts';
export { childPath, indexPath } from './path.ts';
export type { Difference, DifferenceKind, Json } from './difference.ts';
