import { pathToFileURL } from 'node:url';
import { createCodec, createRegistryClient, createSchemaRegistryCodec, type Codec } from '@shadowdiff/codec';
import { createComparator, type CompareRules, type Comparator, type Json, type Normalizer } from '@shadowdiff/compare';
import type { CompareConfig, ShadowdiffConfig, SideConfig } from '@shadowdiff/config';
import { JoinerError, JoinerErrorCode } from './errors.ts';

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

export async function buildComparator(config: CompareConfig, redact: readonly string[] = []): Promise<Comparator> {
  const normalizers: { old?: Normalizer; new?: Normalizer } = {};
  for (const side of ['old', 'new'] as const) {
    const file = config.normalize[side];
    if (file !== undefined) normalizers[side] = await loadNormalizer(file);
  }
  return createComparator({ rules: toCompareRules(config), normalizers, redact });
}

/** One codec per side; all schema-registry sides share one client, so each schema is fetched once. */
export function codecFactory(config: ShadowdiffConfig): (side: SideConfig) => Codec {
  let registryCodec: Codec | undefined;
  return (side) => {
    if (side.codec !== 'schema-registry') return createCodec(side.codec);
    if (!config.schemaRegistry) throw new Error('codec schema-registry needs schemaRegistry.url');
    registryCodec ??= createSchemaRegistryCodec({ registry: createRegistryClient(config.schemaRegistry.url) });
    return registryCodec;
  };
}
