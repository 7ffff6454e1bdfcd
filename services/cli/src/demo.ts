import type { Log } from './stack.ts';
export async function runDemo(_args: string[], log: Log): Promise<number> {
  log('demo: not yet');
  return 1;
}
