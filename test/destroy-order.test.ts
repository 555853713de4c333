/** The destroy order statement (crypto/destroy-order.ts): what parses, and what is refused with why. */
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa, issueCert } from '../cli/pki.js';
import { DESTROY_ORDER_KIND, encodeDestroyOrder, MAX_DESTROY_ORDER_BYTES, parseDestroyOrder } from '../crypto/index.js';
import { ORDER_CLOCK_SKEW_MS, verifyDestroyOrder } from '../node/destroy-order.js';

const pk = 'ab'.repeat(32);
const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const rec = 'cd'.repeat(32);
const good = { kind: DESTROY_ORDER_KIND, keyName: 'acme/db', version: 3, publicKey: pk, records: [rec], signedAtMs: 1_700_000_000_000 };

describe('destroy orders', () => {
  it('round-trips exactly what was encoded', () => {
    const encoded = encodeDestroyOrder({ keyName: 'acme/db', version: 3, publicKey: pk, records: [rec], signedAtMs: 1_700_000_000_000 });
    expect(parseDestroyOrder(encoded)).toEqual(good);
    expect(new TextDecoder().decode(encoded)).toBe(JSON.stringify(good));
  });

  it('refuses every malformed order with what is wrong', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /1 to 8192 bytes, got 0/],
      [new Uint8Array(MAX_DESTROY_ORDER_BYTES + 1), /got 8193/],
      [new Uint8Array([0xff, 0xfe]), /is JSON/],
      [bytes([good]), /a JSON object/],
      [bytes(null), /a JSON object/],
      [bytes({ ...good, extra: 1 }), /exactly kind, keyName, version, publicKey, records and signedAtMs/],
      [bytes({ ...good, kind: 'splitkey/v1/destroy-receipt' }), /not a destroy order/],
      [bytes({ ...good, keyName: 'acme/../other' }), /keyName/],
      [bytes({ ...good, keyName: 7 }), /not a string/],
      [bytes({ ...good, version: 0 }), /version must be 1\.\.2\^32-1/],
      [bytes({ ...good, version: 2 ** 32 }), /version must be/],
      [bytes({ ...good, version: 1.5 }), /version must be/],
      [bytes({ ...good, publicKey: pk.toUpperCase() }), /lowercase hex/],
      [bytes({ ...good, publicKey: pk.slice(2) }), /32 bytes/],
      [bytes({ ...good, signedAtMs: -1 }), /non-negative integer/],
      [bytes({ ...good, records: [] }), /records must list 1\.\.65/],
      [bytes({ ...good, records: Array(66).fill(rec) }), /records must list 1\.\.65/],
      [bytes({ ...good, records: 'cd' }), /records must list/],
      [bytes({ ...good, records: [rec.toUpperCase()] }), /lowercase hex/],
      [bytes({ ...good, records: [7] }), /lowercase hex/],
      [bytes({ ...good, signedAtMs: '1' }), /non-negative integer/],
    ];
    for (const [b, why] of cases) expect(() => parseDestroyOrder(b), new TextDecoder().decode(b).slice(0, 60)).toThrow(why);
    expect(() => encodeDestroyOrder({ keyName: 'acme/db', version: 0, publicKey: pk, records: [rec], signedAtMs: 0 })).toThrow(/version/);
  });
});

describe('verifyDestroyOrder (clock injected)', async () => {
  const ca = await createCa();
  const admin = await issueCert(ca, { role: 'admin', name: 'ops', capabilities: ['destroy'] });
  const other = await issueCert(ca, { role: 'admin', name: 'ops2', capabilities: ['destroy'] });
  const cert = new X509Certificate(admin.certPem);
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  const trusts = (c: { raw?: Buffer }) => c.raw !== undefined && new X509Certificate(c.raw).verify(new X509Certificate(ca.certPem).publicKey);
  const signed = (signedAtMs: number) => {
    const order = encodeDestroyOrder({ keyName: 'acme/db', version: 3, publicKey: pk, records: ['ef'.repeat(32), rec], signedAtMs });
    return { order, signature: new Uint8Array(sign('sha256', order, createPrivateKey(admin.keyPem))), certificate: admin.certPem };
  };
  const check = { keyName: 'acme/db', version: 3, publicKey: pk, line: [rec], trusts };

  it('accepts an order signed and checked within the certificate’s validity', () => {
    expect(verifyDestroyOrder(signed(from + 1000), { ...check, now: from + 2000 }).version).toBe(3);
    expect(verifyDestroyOrder(signed(from + 1000), { ...check, now: from + 2000, caller: cert.raw }).keyName).toBe('acme/db');
  });

  it('refuses an order that does not name the record this node holds', () => {
    expect(() => verifyDestroyOrder(signed(from + 1000), { ...check, line: ['aa'.repeat(32)], now: from + 2000 })).toThrow(/another line/);
    // A newer record whose lineage names a destroyed one is of the line (review L1).
    expect(verifyDestroyOrder(signed(from + 1000), { ...check, line: ['aa'.repeat(32), 'bb'.repeat(32), rec], now: from + 2000 }).version).toBe(3);
  });

  it('refuses a certificate expired now or not valid yet, whenever the order says it was signed (review J1)', () => {
    expect(() => verifyDestroyOrder(signed(to - 1000), { ...check, now: to + 1 })).toThrow(/expired/);
    expect(() => verifyDestroyOrder(signed(from), { ...check, now: from - 1 })).toThrow(/not valid yet/);
    expect(() => verifyDestroyOrder(signed(from - 1), { ...check, now: from + 1000 })).toThrow(/outside its certificate/);
  });

  it('refuses an order signed further ahead than the clock skew, and one not signed by the caller', () => {
    expect(verifyDestroyOrder(signed(from + 1000 + ORDER_CLOCK_SKEW_MS), { ...check, now: from + 1000 }).version).toBe(3);
    expect(() => verifyDestroyOrder(signed(from + 1001 + ORDER_CLOCK_SKEW_MS), { ...check, now: from + 1000 })).toThrow(/in the future/);
    expect(() => verifyDestroyOrder(signed(from + 1000), { ...check, now: from + 2000, caller: new X509Certificate(other.certPem).raw })).toThrow(/another certificate than the caller/);
  });
});
