/**
 * The one shared list of malformed encodings, run against every public decode/verify function
 * (RFC 9497 §2.1/§4.1, RFC 9496 §4.3.1). Each entry names what is wrong with it.
 */
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const ff = (n: number): string => 'ff'.repeat(n);

export interface BadInput {
  name: string;
  bytes: Uint8Array;
}

/** Not an acceptable element encoding. */
export const badElements: BadInput[] = [
  { name: 'empty', bytes: new Uint8Array(0) },
  { name: '31 bytes', bytes: new Uint8Array(31).fill(2) },
  { name: '33 bytes', bytes: new Uint8Array(33).fill(2) },
  { name: '64 bytes', bytes: new Uint8Array(64).fill(2) },
  { name: 'identity (all zero)', bytes: new Uint8Array(32) },
  { name: 'non-canonical f3ff…ff7f (≥ p)', bytes: hex('f3' + ff(30) + '7f') },
  { name: 'non-canonical edff…ff7f (= p)', bytes: hex('ed' + ff(30) + '7f') },
  { name: 'non-canonical ffff…ff7f', bytes: hex(ff(31) + '7f') },
  { name: 'high bit set ffff…ffff', bytes: hex(ff(32)) },
  { name: 'negative field element 0100…00', bytes: hex('01' + '00'.repeat(31)) },
  { name: 'canonical field element that decodes to no point (0200…00)', bytes: hex('02' + '00'.repeat(31)) },
];

/** ristretto255's group order, little-endian. */
const ORDER_LE = 'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';

/** Not an acceptable scalar encoding. */
export const badScalars: BadInput[] = [
  { name: 'empty', bytes: new Uint8Array(0) },
  { name: '31 bytes', bytes: new Uint8Array(31).fill(1) },
  { name: '33 bytes', bytes: new Uint8Array(33).fill(1) },
  { name: '64 bytes', bytes: new Uint8Array(64).fill(1) },
  { name: 'equal to the order', bytes: hex(ORDER_LE) },
  { name: 'order + 1', bytes: hex('ee' + ORDER_LE.slice(2)) },
  { name: 'top bits set', bytes: hex('01' + '00'.repeat(30) + 'e0') },
  { name: 'all ones', bytes: hex(ff(32)) },
];

/** Not an acceptable serialized proof (c ‖ s). */
export const badProofs: BadInput[] = [
  { name: 'empty', bytes: new Uint8Array(0) },
  { name: '63 bytes', bytes: new Uint8Array(63).fill(1) },
  { name: '65 bytes', bytes: new Uint8Array(65).fill(1) },
  { name: '32 bytes', bytes: new Uint8Array(32).fill(1) },
  { name: 'c ≥ order', bytes: hex(ORDER_LE + '01' + '00'.repeat(31)) },
  { name: 's ≥ order', bytes: hex('01' + '00'.repeat(31) + ORDER_LE) },
  { name: 'both halves all ones', bytes: hex(ff(64)) },
];
