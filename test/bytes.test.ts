/**
 * RFC 9497 §1.1 notation as the crypto core implements it (I2OSP, ‖, length prefixes), the hex
 * codec, constant-time comparison, and the domain errors' stable codes and names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeserializeError,
  InvalidInputError,
  ParameterError,
  VerifyError,
  concatBytes,
  constantTimeEqual,
  fromHex,
  i2osp,
  lengthPrefixed,
  toHex,
  utf8,
  wipe,
} from '../crypto/index.js';

/** I2OSP as RFC 8017 §4.1 defines it, on bigints. */
function referenceI2osp(value: bigint, length: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.unshift(Number((value >> BigInt(8 * i)) & 0xffn));
  return out;
}

describe('I2OSP', () => {
  it('is big-endian and fixed-width for every value that fits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }).chain((length) => fc.tuple(fc.constant(length), fc.integer({ min: 0, max: 2 ** (8 * length) - 1 }))), ([length, value]) => {
        expect([...i2osp(value, length)]).toEqual(referenceI2osp(BigInt(value), length));
      }),
    );
    expect([...i2osp(0x0102, 2)]).toEqual([1, 2]);
    expect([...i2osp(255, 1)]).toEqual([255]);
    expect([...i2osp(0xffffffff, 4)]).toEqual([255, 255, 255, 255]);
    expect([...i2osp(0, 3)]).toEqual([0, 0, 0]);
  });

  it('refuses values that do not fit, negatives and non-integers', () => {
    for (const [value, length] of [[256, 1], [65536, 2], [2 ** 32, 4], [-1, 2], [1.5, 2], [Number.NaN, 2]] as const) {
      expect(() => i2osp(value, length)).toThrow(ParameterError);
      expect(() => i2osp(value, length)).toThrow(`i2osp: value ${value} does not fit in ${length} bytes`);
    }
  });
});

describe('‖ and length prefixes', () => {
  it('concatBytes joins in order', () => {
    expect([...concatBytes()]).toEqual([]);
    expect([...concatBytes(Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3), Uint8Array.of(4, 5, 6))]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('lengthPrefixed is I2OSP(len, 2) ‖ x', () => {
    expect([...lengthPrefixed(Uint8Array.of(9, 8, 7))]).toEqual([0, 3, 9, 8, 7]);
    expect([...lengthPrefixed(new Uint8Array(0))]).toEqual([0, 0]);
    expect([...lengthPrefixed(new Uint8Array(300)).subarray(0, 2)]).toEqual([1, 44]);
  });

  it('utf8 encodes as UTF-8', () => {
    expect([...utf8('Aé')]).toEqual([0x41, 0xc3, 0xa9]);
  });
});

describe('hex', () => {
  it('round-trips any bytes, lower and upper case in', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const h = toHex(bytes);
        expect(h).toBe(Buffer.from(bytes).toString('hex'));
        expect([...fromHex(h)]).toEqual([...bytes]);
        expect([...fromHex(h.toUpperCase())]).toEqual([...bytes]);
      }),
    );
  });

  it('refuses odd lengths and non-hex characters, naming the field', () => {
    for (const bad of ['a', 'abc', 'zz', '0g', ' 00', '00 ', '0x00', '+1']) {
      expect(() => fromHex(bad)).toThrow(ParameterError);
      expect(() => fromHex(bad, 'commitments[0]')).toThrow('commitments[0]: expected an even-length hexadecimal string');
    }
    expect(() => fromHex('a')).toThrow(/^hex: /);
    expect([...fromHex('')]).toEqual([]);
  });
});

describe('constantTimeEqual and wipe', () => {
  it('is equality of byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (a, at, delta) => {
        expect(constantTimeEqual(a, a.slice())).toBe(true);
        const b = a.slice();
        const i = at % b.length;
        b[i] = (b[i]! + delta) & 0xff;
        expect(constantTimeEqual(a, b)).toBe(false);
        expect(constantTimeEqual(a, a.subarray(1))).toBe(false);
      }),
    );
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    // Same prefix, different length: not equal even though every shared byte matches.
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
  });

  it('wipe zeroes every buffer it is given', () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = Uint8Array.of(4);
    wipe(a, b);
    expect([...a, ...b]).toEqual([0, 0, 0, 0]);
  });
});

describe('domain errors', () => {
  it('carry a stable code, a name, the field and a message that names it', () => {
    const cases = [
      [new DeserializeError('proof.c', 'too long'), 'DESERIALIZE_ERROR', 'DeserializeError', Error, 'proof.c: too long'],
      [new VerifyError('node[3]', 'bad proof'), 'VERIFY_ERROR', 'VerifyError', Error, 'node[3]: bad proof'],
      [new ParameterError('t', 'too big'), 'PARAMETER_ERROR', 'ParameterError', RangeError, 't: too big'],
    ] as const;
    for (const [error, code, name, base, message] of cases) {
      expect(error).toBeInstanceOf(base);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error.message).toBe(message);
      expect(message.startsWith(`${error.field}: `)).toBe(true);
    }
    expect(new DeserializeError('x', 'why').reason).toBe('why');
    const invalid = new InvalidInputError('input hashes to the identity element');
    expect(invalid).toBeInstanceOf(Error);
    expect(invalid.code).toBe('INVALID_INPUT');
    expect(invalid.name).toBe('InvalidInputError');
    expect(invalid.message).toBe('input hashes to the identity element');
  });
});
