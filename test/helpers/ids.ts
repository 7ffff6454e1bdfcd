import { randomBytes } from 'node:crypto';

/** A fresh prefix per test, so topics, groups and Redis keys never collide between runs. */
export function uniqueId(label = 't'): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
