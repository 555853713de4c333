/**
 * Every group backend available here: noble (reference), sodium (libsodium wasm) and, when its
 * addon is built, native (libdecaf). Tests that prove byte-equivalence or RFC vectors loop over
 * `backends`. With SPLITKEY_REQUIRE_NATIVE=1 (CI) a missing native backend fails the run instead
 * of shrinking the list.
 */
import { loadGroup, loadNativeGroup, type Group } from '../../crypto/index.js';
import { nobleGroup } from '../../crypto/group-noble.js';

const native = loadNativeGroup();
if (!native.group && process.env.SPLITKEY_REQUIRE_NATIVE === '1') {
  throw new Error(`SPLITKEY_REQUIRE_NATIVE=1 but the native backend is unavailable: ${native.reason}`);
}

export const sodiumGroup: Group = await loadGroup('sodium');
export const nativeGroup: Group | undefined = native.group;
/** The constant-time backends (for secret scalars): sodium and, when built, native. */
export const fastBackends: Group[] = [sodiumGroup, ...(nativeGroup ? [nativeGroup] : [])];
export const backends: Group[] = [nobleGroup, ...fastBackends];
export const backendNames = backends.map((g) => g.name);
