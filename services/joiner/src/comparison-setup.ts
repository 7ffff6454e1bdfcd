import { describeWithoutData } from '@shadowdiff/errors';
import { pathToFileURL } from 'node:url';
import { CodecError, CodecErrorCode, checkRegistryAccess, createCodec, createRegistryClient, createSchemaRegistryCodec, type Codec } from '@shadowdiff/codec';
import { basename } from 'node:path';
import { DEFAULT_MAX_DEPTH, createComparator, jsonProblem, type CompareRules, type Comparator, type Json, type Normalizer } from '@shadowdiff/compare';
import { tlsConnectionOptions, type ComparisonConfig, type CompareConfig, type ShadowdiffConfig, type SideConfig } from '@shadowdiff/config';
import { JoinerError, JoinerErrorCode } from './errors.ts';
import { SideFault } from './verdict.ts';

/** The comparison rules of the config, in the comparator's terms. */
export function toCompareRules(config: CompareConfig): CompareRules {
  return {
    ignore: config.ignore,
    tolerance: config.tolerance,
    unordered: config.unordered,
    nullEqualsMissing: config.nullEqualsMissing,
    strings: config.strings,
    timestamps: Object.fromEntries(
      Object.entries(config.timestamps).map(([path, t]) => [path, { toleranceMs: t.tolerance, epochUnit: t.epochUnit }]),
    ),
    rename: config.rename,
  };
}

/** Loads a normaliser module: its default export (or `normalize`) must be a function of one value. */
export async function loadNormalizer(file: string): Promise<Normalizer> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new JoinerError(JoinerErrorCode.NORMALIZER_INVALID, `normaliser ${file} could not be loaded: ${(error as Error).message}`, { cause: error });
  }
  const fn = module.default ?? module.normalize;
  if (typeof fn !== 'function') {
    throw new JoinerError(JoinerErrorCode.NORMALIZER_INVALID, `normaliser ${file} must export a function (default export or "normalize")`);
  }
  return (value: Json) => fn(value) as Json;
}

/**
 * A user's normaliser, held to what the comparison needs: whatever it throws, and whatever it
 * returns that is not a JSON value (undefined, a bigint, a Promise, a cycle, nesting past
 * maxDepth), is the fault of that side's record (SideFault), so only that pair's verdict shows it.
 */
function guarded(side: 'old' | 'new', file: string, normalize: Normalizer, maxDepth: number): Normalizer {
  const name = basename(file);
  return (value: Json) => {
    let out: unknown;
    try {
      out = normalize(value);
    } catch (error) {
      throw new SideFault(side, `normaliser ${name} threw on the ${side} record: ${describeWithoutData(error)}`);
    }
    // An async normaliser's promise is refused below; its rejection must not go unhandled.
    if (out !== null && typeof out === 'object' && typeof (out as { then?: unknown }).then === 'function') {
      Promise.resolve(out).catch(() => undefined);
    }
    const problem = jsonProblem(out, maxDepth);
    if (problem !== null) throw new SideFault(side, `normaliser ${name} returned ${problem} for the ${side} record, not a JSON value`);
    return out as Json;
  };
}

export async function buildComparator(config: CompareConfig, redact: readonly string[] = [], maxDepth: number = DEFAULT_MAX_DEPTH): Promise<Comparator> {
  const normalizers: { old?: Normalizer; new?: Normalizer } = {};
  for (const side of ['old', 'new'] as const) {
    const file = config.normalize[side];
    if (file !== undefined) normalizers[side] = guarded(side, file, await loadNormalizer(file), maxDepth);
  }
  return createComparator({ rules: toCompareRules(config), normalizers, redact });
}

const registries = new WeakMap<ShadowdiffConfig, ReturnType<typeof createRegistryClient>>();

/** The one registry client of a configuration (made on first use, with its credentials and TLS). */
export function registryClient(config: ShadowdiffConfig): ReturnType<typeof createRegistryClient> {
  if (!config.schemaRegistry) throw new CodecError(CodecErrorCode.REGISTRY_NOT_CONFIGURED, 'codec schema-registry needs schemaRegistry.url');
  let registry = registries.get(config);
  if (!registry) {
    const { url, auth, tls } = config.schemaRegistry;
    registry = createRegistryClient(url, {
      auth: auth ? { username: auth.username.reveal(), password: auth.password.reveal() } : undefined,
      tls: tlsConnectionOptions(tls),
    });
    registries.set(config, registry);
  }
  return registry;
}

/**
 * Before the joiner reads anything: when a comparison decodes through the registry, one request
 * with the configured credentials, so refused credentials or an untrusted certificate stop
 * start-up (SHADOWDIFF_ERR_CODEC_REGISTRY_UNAUTHORIZED / _TLS_FAILED) instead of later records.
 */
export async function checkRegistry(config: ShadowdiffConfig): Promise<void> {
  const used = config.comparisons.some((c) => c.old.codec === 'schema-registry' || c.new.codec === 'schema-registry');
  if (used && config.schemaRegistry) await checkRegistryAccess(registryClient(config), config.schemaRegistry.url);
}

/** One codec per side; all schema-registry sides share one client, so each schema is fetched once. */
export function codecFactory(config: ShadowdiffConfig): (side: SideConfig, comparison: Pick<ComparisonConfig, 'maxDepth'>) => Codec {
  return (side, { maxDepth }) => {
    if (side.codec !== 'schema-registry') return createCodec(side.codec, { maxDepth });
    return createSchemaRegistryCodec({ registry: registryClient(config), url: config.schemaRegistry?.url, maxDepth });
  };
}
