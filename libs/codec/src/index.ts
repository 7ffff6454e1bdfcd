export { createCodec, type Codec, type CodecName, type DecodeResult, type Decoded, type Undecodable } from './codec.ts';
