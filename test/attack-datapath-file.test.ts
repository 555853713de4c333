/**
 * Adversarial review of the file data path (client/file.ts, crypto/envelope.ts, client/aead-node.ts).
 * An attacker who can read and modify stored envelopes (but holds no key) and a careless caller.
 * Real AES-GCM (node:crypto), real files; keys come from an HKDF "oracle" that, like the cluster,
 * hands out a key for ANY (keyName, version, resourceId) the header names.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAesGcm } from '../client/aead-node.js';
import { decryptFile, decryptStream, encryptFile, readRange, rewrapFile, type KeyForDecrypt, type KeyForEncrypt } from '../client/file.js';
import { EnvelopeError, decodeHeader, encodeHeader, openAll, sealAll } from '../crypto/envelope.js';
import { systemRng } from '../crypto/bytes.js';

const MASTER = randomBytes(32);
/** Deterministic per-(name, version, id) key, as the cluster + master half would give. */
function keyFor(name: string, version: number, id: Uint8Array): Uint8Array {
  const info = Buffer.concat([Buffer.from(name), Buffer.from([0]), Buffer.from(String(version)), Buffer.from([0]), Buffer.from(id)]);
  return new Uint8Array(hkdfSync('sha256', MASTER, Buffer.alloc(0), info, 32));
}
const decKey: KeyForDecrypt = async (n, v, id) => keyFor(n, v, id);
const encKey: KeyForEncrypt = async (n, id) => ({ key: keyFor(n, 1, id), version: 1 });

const NAME = 'acme/files';
const RID = new TextEncoder().encode('file-7');
const S = 1024;

let dir: string;
let n = 0;
const tmp = (p = 'f') => join(dir, `${p}-${n++}`);
const exists = (p: string) => stat(p).then(() => true, () => false);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attack-datapath-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

class Sink extends Writable {
  parts: Buffer[] = [];
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void) {
    this.parts.push(Buffer.from(c));
    cb();
  }
}

/** Streaming decrypt of `bytes` cut into chunks of `chunk` bytes: plaintext, or the error. */
async function streamOpen(bytes: Uint8Array, chunk: number): Promise<{ ok: Buffer } | { err: unknown }> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(Buffer.from(bytes.subarray(i, i + chunk)));
  const sink = new Sink();
  try {
    await decryptStream(Readable.from(parts), sink, { getKey: decKey });
    return { ok: Buffer.concat(sink.parts) };
  } catch (err) {
    return { err };
  }
}

function seal(plain: Uint8Array, segmentSize = S, name = NAME, rid = RID, version = 1): Uint8Array {
  return sealAll({ keyName: name, keyVersion: version, resourceId: rid, segmentSize }, keyFor(name, version, rid), plain, nodeAesGcm, systemRng);
}

describe('resisted: no modification of a stored envelope yields plaintext other than the original', () => {
  const plain = randomBytes(3 * S + 100); // 4 segments, short last
  let env: Uint8Array;
  let headerLength: number;
  beforeAll(() => {
    env = seal(plain);
    headerLength = decodeHeader(env).headerLength;
  });

  /** Every accepted decryption of a mutated envelope must equal `plain` (it never does: every mutation is refused). */
  async function check(mutated: Uint8Array, what: string) {
    let whole: Uint8Array | undefined;
    try {
      whole = openAll(mutated, keyFor(decodeHeader(mutated).header.keyName, decodeHeader(mutated).header.keyVersion, decodeHeader(mutated).header.resourceId), nodeAesGcm);
    } catch {
      whole = undefined;
    }
    if (whole) expect(Buffer.from(whole).equals(plain), `${what}: openAll returned other plaintext`).toBe(true);
    for (const chunk of [1, 17, S + 16, 4096]) {
      const r = await streamOpen(mutated, chunk);
      if ('ok' in r) expect(r.ok.equals(plain), `${what} (chunk ${chunk}): decryptStream returned other plaintext`).toBe(true);
      expect('ok' in r, `${what} (chunk ${chunk}) was accepted`).toBe(false);
    }
  }

  it('every single-bit flip of the header and the body boundaries', async () => {
    for (let at = 0; at < headerLength; at++) {
      const m = Uint8Array.from(env);
      m[at]! ^= 1 << (at % 8);
      await check(m, `flip header byte ${at}`);
    }
    for (let s = 0; s < 4; s++) {
      for (const off of [0, 5, S - 1, S, S + 15]) {
        const at = headerLength + s * (S + 16) + off;
        if (at >= env.length) continue;
        const m = Uint8Array.from(env);
        m[at]! ^= 0x80;
        await check(m, `flip body byte ${at}`);
      }
    }
  }, 120_000);

  it('every truncation length and appended tails (1..S+17 bytes)', async () => {
    for (let len = 0; len < env.length; len += len < headerLength ? 7 : 1) {
      // the streaming check dominates; sample the header region
      try {
        openAll(env.subarray(0, len), keyFor(NAME, 1, RID), nodeAesGcm);
        expect.fail(`truncated to ${len} accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(EnvelopeError);
      }
    }
    for (const cut of [headerLength, headerLength + 16, headerLength + (S + 16), headerLength + 2 * (S + 16), headerLength + 3 * (S + 16), env.length - 1]) {
      await check(env.subarray(0, cut), `truncated to ${cut}`);
    }
    for (const tail of [1, 15, 16, 17, S, S + 16, S + 17]) {
      await check(Buffer.concat([env, randomBytes(tail)]), `appended ${tail}`);
    }
  }, 120_000);

  it('segment reordering, duplication, dropping, and the final-flag cut (drop the short last segment)', async () => {
    const h = env.subarray(0, headerLength);
    const seg = (i: number) => env.subarray(headerLength + i * (S + 16), Math.min(env.length, headerLength + (i + 1) * (S + 16)));
    const perms = [[1, 0, 2, 3], [0, 2, 1, 3], [0, 0, 2, 3], [0, 1, 1, 2, 3], [0, 1, 3], [0, 1, 2], [1, 2, 3], [0, 1, 2, 2], [3]];
    for (const p of perms) await check(Buffer.concat([h, ...p.map(seg)]), `segments ${p.join(',')}`);
  });

  it('splicing: header of one envelope + body of another under the SAME key, name and resource; mixed segments', async () => {
    const other = seal(plain); // same plaintext, same resource key: only DEK and nonce prefix differ
    const oh = decodeHeader(other).headerLength;
    await check(Buffer.concat([other.subarray(0, oh), env.subarray(headerLength)]), 'header swap');
    await check(Buffer.concat([env.subarray(0, headerLength + S + 16), other.subarray(oh + S + 16)]), 'segment 0 of A + rest of B');
  });

  it('header re-encoded with another segment size / resource id / key name / version (wrap AAD)', async () => {
    const { header } = decodeHeader(env);
    for (const change of [
      { segmentSize: 2048 },
      { resourceId: new TextEncoder().encode('file-8') },
      { keyName: 'acme/other' },
      { keyVersion: 2 },
    ]) {
      await check(Buffer.concat([encodeHeader({ ...header, ...change }), env.subarray(headerLength)]), `header ${JSON.stringify(Object.keys(change))}`);
    }
  });

  it('downgrade: a format version byte other than 1 is refused (no other format is read)', async () => {
    for (const v of [0, 2, 0xff]) {
      const m = Uint8Array.from(env);
      m[4] = v;
      expect(() => decodeHeader(m)).toThrow(/version/);
    }
  });

  it('zero-length file: only the one empty last segment opens; a zero-length body never does', async () => {
    const empty = seal(new Uint8Array(0));
    const eh = decodeHeader(empty).headerLength;
    expect(empty.length - eh).toBe(16);
    const r = await streamOpen(empty, 3);
    expect('ok' in r && r.ok.length === 0).toBe(true);
    await check(empty.subarray(0, eh), 'empty body');
    // a non-empty file cut to 16 body bytes does not pass for the empty file
    await check(env.subarray(0, headerLength + 16), 'cut to 16 body bytes');
  });
});

describe('resisted: crafted headers stay bounded, errors carry no secrets', () => {
  it('segment size above 16 MiB is refused before any allocation; the largest header is 65874 bytes', () => {
    const env = seal(new Uint8Array(10));
    const m = Uint8Array.from(env);
    const { header } = decodeHeader(env);
    const off = 4 + 1 + 2 + header.keyName.length + 4 + 2 + header.resourceId.length;
    new DataView(m.buffer).setUint32(off, 0xffffffff);
    expect(() => decodeHeader(m)).toThrow(/segmentSize/);
  });

  it('error messages contain neither the resource key, the DEK nor plaintext', async () => {
    const plain = Buffer.from('TOP-SECRET-PLAINTEXT-'.repeat(200));
    const env = seal(plain);
    const h = decodeHeader(env).headerLength;
    const m = Uint8Array.from(env);
    m[h + 3]! ^= 1;
    const r = await streamOpen(m, 64);
    expect('err' in r).toBe(true);
    const msg = String((r as { err: Error }).err.message) + String((r as { err: Error }).err.stack);
    const key = Buffer.from(keyFor(NAME, 1, RID));
    for (const enc of ['hex', 'base64'] as const) expect(msg).not.toContain(key.toString(enc));
    expect(msg).not.toContain('TOP-SECRET');
  });
});

describe('resisted: random access and rewrap', () => {
  it('readRange authenticates every segment it returns; verifyLast catches a cut at a boundary', async () => {
    const plain = randomBytes(5 * S);
    const env = seal(plain);
    const h = decodeHeader(env).headerLength;
    const cut = tmp('cut');
    await writeFile(cut, env.subarray(0, h + 3 * (S + 16))); // lost the last two segments at a boundary
    // without verifyLast the first segments are still the genuine bytes (never other bytes)
    expect(Buffer.from(await readRange(cut, 10, 100, { getKey: decKey })).equals(plain.subarray(10, 110))).toBe(true);
    await expect(readRange(cut, 10, 100, { getKey: decKey, verifyLast: true })).rejects.toMatchObject({ code: 'TRUNCATED' });
    await expect(readRange(cut, 2 * S, 10, { getKey: decKey })).rejects.toMatchObject({ code: 'TRUNCATED' });
  });

  it('rewrap keeps DEK + nonce prefix and never re-seals a segment (no nonce reuse); old header still opens until the version is destroyed (documented)', async () => {
    const plain = randomBytes(3 * S);
    const src = tmp('src');
    const enc = tmp('enc');
    await writeFile(src, plain);
    await encryptFile(src, enc, { keyName: NAME, resourceId: RID, segmentSize: S, getKey: encKey });
    const before = new Uint8Array(await readFile(enc));
    const out = tmp('rw');
    await rewrapFile(enc, out, { getKey: decKey, newVersion: 2, newKey: keyFor(NAME, 2, RID) });
    const after = new Uint8Array(await readFile(out));
    const hb = decodeHeader(before);
    const ha = decodeHeader(after);
    expect(Buffer.from(after.subarray(ha.headerLength)).equals(Buffer.from(before.subarray(hb.headerLength)))).toBe(true);
    expect(Buffer.from(ha.header.noncePrefix).equals(Buffer.from(hb.header.noncePrefix))).toBe(true);
    // rollback of the rewrap by restoring the old header decrypts to the same plaintext: no wrong plaintext
    const rolled = Buffer.concat([before.subarray(0, hb.headerLength), after.subarray(ha.headerLength)]);
    expect(Buffer.from(openAll(rolled, keyFor(NAME, 1, RID), nodeAesGcm)).equals(plain)).toBe(true);
  });
});

describe('partial plaintext on disk (OUT.partial)', () => {
  /** A gate: `wait()` resolves when `open()` is called; `entered` resolves when getKey was reached. */
  function gate() {
    let open!: () => void;
    let entered!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const reached = new Promise<void>((r) => (entered = r));
    const getKey: KeyForDecrypt = async (nm, v, id) => {
      entered();
      await opened;
      return keyFor(nm, v, id);
    };
    return { open, reached, getKey };
  }

  it('a failed decryption leaves nothing when run alone (resisted)', async () => {
    const plain = randomBytes(3 * 1024 * 1024);
    const env = seal(plain, 65536);
    const bad = Uint8Array.from(env);
    bad[bad.length - 20]! ^= 1;
    const p = tmp('bad');
    await writeFile(p, bad);
    const out = tmp('out');
    await expect(decryptFile(p, out, { getKey: decKey })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(await exists(out)).toBe(false);
    expect(await exists(`${out}.partial`)).toBe(false);
  });

  it('two decryptions to the same OUT (a retry while the first still runs): the failed one must not leave its plaintext at OUT, the successful one must leave its own', async () => {
    // FINDING: writeOutput() always uses the fixed name OUT.partial and openExclusive() unlinks an
    // existing one ("stale") and creates a new one. The second call steals the first call's path;
    // the first call then renames the SECOND call's inode to OUT and reports success, and the second
    // keeps writing authenticated-so-far plaintext of a damaged envelope into what is now OUT.
    const good = randomBytes(3 * 1024 * 1024);
    const evil = Buffer.alloc(3 * 1024 * 1024, 0x41); // plaintext of a damaged envelope: must never reach OUT
    const goodPath = tmp('good');
    const badPath = tmp('bad');
    await writeFile(goodPath, seal(good, 65536));
    const badEnv = seal(evil, 65536);
    badEnv[badEnv.length - 20]! ^= 1; // last segment tampered: the first ~3 MiB authenticate
    await writeFile(badPath, badEnv);
    const out = tmp('shared-out');

    const ga = gate();
    const gb = gate();
    const a = decryptFile(goodPath, out, { getKey: ga.getKey }).then((r) => ({ ok: r }), (err: unknown) => ({ err }));
    await ga.reached; // A created OUT.partial and is deriving its key
    const b = decryptFile(badPath, out, { getKey: gb.getKey }).then((r) => ({ ok: r }), (err: unknown) => ({ err }));
    // Before the fix B replaced OUT.partial with its own file and reached its key; now it is
    // refused at once (OUT.partial is A's).
    await Promise.race([gb.reached, b]);
    ga.open();
    const ra = await a;
    gb.open();
    const rb = await b;

    expect('err' in rb, 'the damaged envelope must fail').toBe(true);
    const atOut = (await exists(out)) ? await readFile(out) : undefined;
    console.info(`A (good): ${'ok' in ra ? 'resolved' : 'rejected'}; B (damaged): ${'ok' in rb ? 'resolved' : (rb.err as Error).message}; OUT holds ${atOut?.length ?? 'nothing'} bytes, ${atOut ? atOut.filter((x) => x === 0x41).length : 0} of them 0x41`);
    expect(atOut?.includes(Buffer.alloc(4096, 0x41)) ?? false, 'plaintext of the FAILED decryption was left at OUT').toBe(false);
    if ('ok' in ra) {
      expect(atOut?.equals(good) ?? false, 'decryptFile reported success but OUT does not hold its plaintext').toBe(true);
    }
    expect(await exists(`${out}.partial`)).toBe(false);
  }, 30_000);
});
