import avro from 'avsc';

interface DecimalSchema {
  readonly precision: number;
  readonly scale?: number;
}

/** Big-endian two's complement bytes → BigInt. */
function fromTwosComplement(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  let value = BigInt(`0x${bytes.toString('hex')}`);
  if ((bytes[0] as number) & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

function toTwosComplement(value: bigint): Buffer {
  let length = 1;
  while (value >= 1n << BigInt(length * 8 - 1) || value < -(1n << BigInt(length * 8 - 1))) length += 1;
  const unsigned = value < 0n ? value + (1n << BigInt(length * 8)) : value;
  return Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex');
}

/**
 * Avro `decimal` (bytes or fixed with a precision and scale) decoded to a JavaScript number, so it
 * compares with a JSON number: `12.50` is 12.5. The number is the double nearest to the exact
 * decimal, so decimals of up to 15 significant digits come through exactly; beyond that, compare
 * with a tolerance.
 */
export class DecimalType extends avro.types.LogicalType {
  readonly #scale: number;

  constructor(schema: DecimalSchema, opts?: object) {
    super(schema as never, opts as never);
    this.#scale = schema.scale ?? 0;
  }

  override _fromValue(value: Buffer): number {
    const digits = fromTwosComplement(value).toString();
    const negative = digits.startsWith('-');
    const abs = (negative ? digits.slice(1) : digits).padStart(this.#scale + 1, '0');
    const text = this.#scale === 0 ? abs : `${abs.slice(0, abs.length - this.#scale)}.${abs.slice(abs.length - this.#scale)}`;
    return Number(`${negative ? '-' : ''}${text}`);
  }

  override _toValue(value: number): Buffer {
    const [whole = '0', fraction = ''] = Math.abs(value).toFixed(this.#scale).split('.');
    const unscaled = BigInt(`${whole}${fraction}`) * (value < 0 ? -1n : 1n);
    return toTwosComplement(unscaled);
  }

  override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:decimal')) return (value) => value;
    return undefined;
  }
}
