export { createCodec, tooDeep, type CodecOptions, type Codec, type SyncCodec, type CodecName, type DecodeResult, type Decoded, type Undecodable } from './codec.ts';
export { createSchemaRegistryCodec, createRegistryClient, checkRegistryAccess, isRegistryRefusal, registryRefusal, WIRE_HEADER_BYTES, type SchemaRegistryCodecOptions, type RegistryAccess } from './schema-registry.ts';
export { toJson, DepthExceeded } from './to-json.ts';
export { DecimalType } from './avro-decimal.ts';
export { CodecError, CodecErrorCode } from './errors.ts';
