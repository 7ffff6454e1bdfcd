/**
 * How to start the joiner's Node.js process. `shadowdiff joiner`, the demo, the tests and the
 * benchmark start it this way; the Dockerfile repeats it (a unit test holds the two together), and
 * docs/operations.md says how to do the same when you start the joiner yourself.
 *
 * The joiner holds a bounded working set (a few fetches of records) and turns it over fast. With
 * Node's defaults on a machine with a lot of memory, that costs far more RSS than it needs:
 * - V8 sizes the young generation from the heap limit, that is for a heap of gigabytes. 8 MB
 *   semi-spaces serve the joiner's short-lived objects at the same rate (4 MB ones were slower).
 * - glibc raises its mmap threshold each time a large block is freed, so that Kafka's
 *   multi-megabyte fetch responses and Redis's flush commands end up on the malloc heap, which
 *   then does not shrink. A fixed threshold gives each such block back when it is freed.
 * - Each such block is then mapped afresh, and a first touch of each 4 KiB page costs a page
 *   fault, which on a virtual machine is dear: copying a ~12 MB fetch response (kafkajs joins its
 *   socket reads into one buffer) took ~30 ms instead of ~6. glibc's `hugetlb=1` tunable asks for
 *   transparent huge pages on those mappings (madvise), 2 MiB at a fault; it changes nothing where
 *   the kernel has them off, or under a libc other than glibc (2.35 or later).
 * Both leave the heap's limit alone: a larger working set (bigger records, more partitions) still
 * fits. docs/benchmarks.md has the figures.
 */
export const JOINER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
export const JOINER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

export interface JoinerLaunch {
  /** Node.js flags to put before the joiner's entry point. */
  readonly nodeArgs: string[];
  /** The environment of the process. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The flags and environment for a joiner process started from `env`. What the operator set wins:
 * a flag already in `NODE_OPTIONS`, or a variable already in `env`, is left as it is; glibc
 * tunables of their own get `hugetlb=1` added unless they set `glibc.malloc.hugetlb` themselves.
 */
export function joinerLaunch(env: NodeJS.ProcessEnv = process.env): JoinerLaunch {
  const given = env.NODE_OPTIONS ?? '';
  const nodeArgs = JOINER_NODE_FLAGS.filter((flag) => !given.includes(flag.split('=')[0]!));
  const merged: NodeJS.ProcessEnv = { ...JOINER_ENV, ...env };
  // glibc's tunables share one variable: the operator's other tunables keep hugetlb unless they set it.
  const tunables = env.GLIBC_TUNABLES;
  if (tunables !== undefined && tunables !== '' && !tunables.includes('glibc.malloc.hugetlb')) merged.GLIBC_TUNABLES = `${tunables}:${JOINER_ENV.GLIBC_TUNABLES}`;
  return { nodeArgs, env: merged };
}
