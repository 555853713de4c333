/**
 * Micro-benchmark of the crypto core, for both group backends: noble (@noble/curves, the
 * reference) and sodium (libsodium wasm, the default). Measured, in operations per second:
 *
 * - `mul`: variable-base scalar multiplication k·P (decode P, multiply, encode);
 * - `mulBase`: base multiplication k·G;
 * - `hashToGroup`: RFC 9497 HashToGroup of a 32-byte input (expand_message_xmd + element map);
 * - `evaluatePartial`: one node's answer — Z_i = k_i·B for each blinded element plus one batched
 *   DLEQ proof — for a batch of 1 and of 64 elements (per batch and per element);
 * - client `verify+combine` for t = 3, batch 1: three `verifyPartial`, `combineResponses`, then
 *   `finalize` (unblind + Finalize hash). Blinding the input is not included.
 *
 * Each figure is a time-boxed loop: a warm-up of a fifth of the budget, then calls until the
 * budget (env BENCH_SECONDS, default 0.5 s) has elapsed; ops/s = calls / elapsed time. The two
 * backends are measured back to back for each operation on identical inputs (fixed-seed
 * fixtures; scalars and points rotate through 16 values), and both are first checked to give
 * the RFC 9497 Evaluate output. "±" is the relative standard deviation between timed chunks.
 * The sodium/noble column is the speed ratio from this run.
 *
 * Reproduce: `npm run bench:crypto` (or `npx tsc -p tsconfig.json && node dist/bench/crypto.js`;
 * `BENCH_SECONDS=2` for steadier figures). Prints a table and writes
 * bench/results/crypto-latest.json. Other load on the machine skews the figures; the JSON
 * records the load average at start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  blind,
  combineResponses,
  combineUnblind,
  createSuite,
  invertBlinds,
  lagrangeCoefficients,
  scaleElements,
  sumScaled,
  unblindWeights,
  evaluate,
  evaluatePartial,
  finalize,
  loadGroup,
  loadNativeGroup,
  publicShare,
  randomScalar,
  splitSecret,
  toHex,
  verifyPartial,
  type BackendName,
  type Element,
  type PartialResponse,
  type Scalar,
  type Share,
  type Suite,
} from '../crypto/index.js';
import { nobleGroup } from '../crypto/group-noble.js';
import { benchSeconds, environment, formatRate, formatTable, measure, seededRng, type Measurement } from './stats.js';

/** noble (reference), libsodium wasm and, where its addon is built, native libdecaf. */
const BACKENDS: readonly BackendName[] = ['noble', 'sodium', ...(loadNativeGroup().group ? (['native'] as const) : [])];
const SEED = 'splitkey/bench/crypto/v1';
const ROTATE = 16; // distinct scalars / points / inputs cycled through by the single-op loops
const BATCH = 64;
const THRESHOLD = 3;
const NODES = 5;
const RESULTS = new URL('../../bench/results/crypto-latest.json', import.meta.url);

/** Inputs shared by every backend (group encodings are byte-identical across backends). */
interface Fixtures {
  scalars: Scalar[];
  points: Element[];
  inputs: Uint8Array[];
  share: Share;
  publicShare: Element;
  blinded: Element[];
  client: {
    input: Uint8Array;
    blindScalar: Scalar;
    blindedElement: Element;
    publicShares: Element[];
    responses: PartialResponse[];
    expected: Uint8Array;
  };
}

function makeFixtures(): Fixtures {
  const group = nobleGroup;
  const suite = createSuite(group);
  const rng = seededRng(`${SEED}/fixtures`);
  const scalars = Array.from({ length: ROTATE }, () => randomScalar(group, rng));
  const points = Array.from({ length: ROTATE }, () => group.mulBase(randomScalar(group, rng)));
  const inputs = Array.from({ length: ROTATE }, () => rng(32));
  const share: Share = { index: 1, value: randomScalar(group, rng) };
  const blinded = Array.from({ length: BATCH }, () => blind(suite, rng(32), rng).blindedElement);

  const k = randomScalar(group, rng);
  const { shares, commitments } = splitSecret(group, k, THRESHOLD, NODES, rng);
  const chosen = shares.slice(0, THRESHOLD);
  const publicShares = chosen.map((s) => publicShare(group, commitments, s.index));
  const input = rng(32);
  const { blind: blindScalar, blindedElement } = blind(suite, input, rng);
  const responses = chosen.map((s, i) => evaluatePartial(suite, s, publicShares[i]!, [blindedElement], rng));
  return {
    scalars,
    points,
    inputs,
    share,
    publicShare: group.mulBase(share.value),
    blinded,
    client: { input, blindScalar, blindedElement, publicShares, responses, expected: evaluate(suite, k, input) },
  };
}

/**
 * Combine and unblind t answers (one position), as the client did before per-position
 * multi-scalar multiplication: every node's element scaled by λ_i·r⁻¹ on its own, then summed.
 */
function combineScaleSum(suite: Suite, f: Fixtures['client']): Element[] {
  const { group } = suite;
  const lambdas = lagrangeCoefficients(group, f.responses.map((r) => r.index));
  const inverses = invertBlinds(group, [f.blindScalar]);
  return sumScaled(group, f.responses.map((r, i) => scaleElements(group, unblindWeights(group, lambdas[i]!, inverses), r.evaluatedElements)));
}

/** The client path under test: verify t partials, combine, unblind and finalize. */
function clientVerifyCombine(suite: Suite, f: Fixtures['client']): Uint8Array {
  const verified = f.responses.map((r, i) => verifyPartial(suite, f.publicShares[i]!, [f.blindedElement], r));
  const [Z] = combineResponses(suite, verified);
  return finalize(suite, f.input, f.blindScalar, Z!);
}

interface Case {
  id: string;
  label: string;
  /** Elements handled per call; above 1 the table also shows a per-element rate. */
  elements: number;
  /** Returns the function to time, bound to one backend. */
  prepare(suite: Suite, f: Fixtures): () => unknown;
}

const CASES: readonly Case[] = [
  {
    id: 'mul',
    label: 'scalar mult k·P',
    elements: 1,
    prepare: ({ group }, f) => {
      let i = 0;
      return () => group.mul(f.scalars[i % ROTATE]!, f.points[i++ % ROTATE]!);
    },
  },
  {
    id: 'mulBase',
    label: 'base mult k·G',
    elements: 1,
    prepare: ({ group }, f) => {
      let i = 0;
      return () => group.mulBase(f.scalars[i++ % ROTATE]!);
    },
  },
  {
    id: 'hashToGroup',
    label: 'hashToGroup (32 B)',
    elements: 1,
    prepare: (suite, f) => {
      let i = 0;
      return () => suite.hashToGroup(f.inputs[i++ % ROTATE]!);
    },
  },
  {
    id: 'evaluatePartial-1',
    label: 'evaluatePartial, batch 1',
    elements: 1,
    prepare: (suite, f) => {
      const rng = seededRng(`${SEED}/nonces`);
      const batch = f.blinded.slice(0, 1);
      return () => evaluatePartial(suite, f.share, f.publicShare, batch, rng);
    },
  },
  {
    id: `evaluatePartial-${BATCH}`,
    label: `evaluatePartial, batch ${BATCH}`,
    elements: BATCH,
    prepare: (suite, f) => {
      const rng = seededRng(`${SEED}/nonces`);
      return () => evaluatePartial(suite, f.share, f.publicShare, f.blinded, rng);
    },
  },
  {
    id: `combine-scale-sum-t${THRESHOLD}`,
    label: `combine+unblind, t=${THRESHOLD}: scale per node, then sum`,
    elements: 1,
    prepare: (suite, f) => () => combineScaleSum(suite, f.client),
  },
  {
    id: `combine-msm-t${THRESHOLD}`,
    label: `combine+unblind, t=${THRESHOLD}: one multi-scalar mult`,
    elements: 1,
    prepare: (suite, f) => () => combineUnblind(suite, f.client.responses, [f.client.blindScalar]),
  },
  {
    id: `client-t${THRESHOLD}`,
    label: `client verify+combine, t=${THRESHOLD}`,
    elements: 1,
    prepare: (suite, f) => () => clientVerifyCombine(suite, f.client),
  },
];

/** Every backend must give the RFC 9497 output on the fixtures before anything is timed. */
function checkBackends(suites: Record<BackendName, Suite>, f: Fixtures): void {
  for (const name of BACKENDS) {
    const out = clientVerifyCombine(suites[name], f.client);
    if (toHex(out) !== toHex(f.client.expected)) throw new Error(`${name}: threshold output differs from RFC 9497 Evaluate`);
    const viaMsm = combineUnblind(suites[name], f.client.responses, [f.client.blindScalar]);
    if (toHex(viaMsm[0]!) !== toHex(combineScaleSum(suites[name], f.client)[0]!)) throw new Error(`${name}: the two combinations differ`);
  }
}

interface CaseResult {
  id: string;
  label: string;
  elements: number;
  results: Record<BackendName, Measurement>;
  /** sodium ops/s ÷ noble ops/s. */
  ratio: number;
  /** native ops/s ÷ sodium ops/s, where native is built. */
  nativeVsSodium?: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const seconds = benchSeconds();
  const env = environment();
  const suites = {} as Record<BackendName, Suite>;
  for (const name of BACKENDS) suites[name] = createSuite(await loadGroup(name));
  const fixtures = makeFixtures();
  checkBackends(suites, fixtures);

  const results: CaseResult[] = [];
  for (const c of CASES) {
    const perBackend = {} as Record<BackendName, Measurement>;
    for (const name of BACKENDS) {
      process.stderr.write(`  ${c.label} [${name}]…\n`);
      perBackend[name] = measure(c.prepare(suites[name], fixtures), seconds);
    }
    const native = perBackend.native;
    results.push({
      id: c.id,
      label: c.label,
      elements: c.elements,
      results: perBackend,
      ratio: perBackend.sodium.opsPerSec / perBackend.noble.opsPerSec,
      ...(native ? { nativeVsSodium: native.opsPerSec / perBackend.sodium.opsPerSec } : {}),
    });
  }

  const rows: string[][] = [];
  const pct = (m: Measurement): string => `${(m.rsd * 100).toFixed(1)}%`;
  for (const r of results) {
    const { noble, sodium, native } = r.results as Record<string, Measurement | undefined> as { noble: Measurement; sodium: Measurement; native?: Measurement };
    const suffix = r.elements > 1 ? ' (per batch)' : '';
    const nativeCols = (m: number): string[] => (native ? [formatRate(native.opsPerSec * m), m === 1 ? pct(native) : '', `${r.nativeVsSodium!.toFixed(2)}×`] : []);
    rows.push([r.label + suffix, formatRate(noble.opsPerSec), pct(noble), formatRate(sodium.opsPerSec), pct(sodium), `${r.ratio.toFixed(2)}×`, ...nativeCols(1)]);
    if (r.elements > 1) {
      rows.push([`${r.label} (per element)`, formatRate(noble.opsPerSec * r.elements), '', formatRate(sodium.opsPerSec * r.elements), '', `${r.ratio.toFixed(2)}×`, ...nativeCols(r.elements)]);
    }
  }
  const totalSeconds = (performance.now() - started) / 1000;

  console.log(`splitkey crypto benchmark — ${env.date}`);
  console.log(`node ${env.node}, ${env.platform}, ${env.cpu} (${env.cpuCount} CPUs), load ${env.loadAverage1m.toFixed(2)}, ${seconds} s per measurement`);
  console.log();
  const nativeHeads = BACKENDS.includes('native') ? ['native ops/s', '±', 'native/sodium'] : [];
  console.log(formatTable(['operation', 'noble ops/s', '±', 'sodium ops/s', '±', 'sodium/noble', ...nativeHeads], rows));
  console.log();
  const byId = new Map(results.map((r) => [r.id, r.results]));
  const split = byId.get(`combine-scale-sum-t${THRESHOLD}`)!;
  const msm = byId.get(`combine-msm-t${THRESHOLD}`)!;
  const msmRatios = BACKENDS.map((b) => `${b} ${(msm[b].opsPerSec / split[b].opsPerSec).toFixed(2)}×`).join(', ');
  console.log(`combine+unblind, one multi-scalar mult vs scale-then-sum, same run: ${msmRatios}`);
  console.log(`total ${totalSeconds.toFixed(1)} s`);

  mkdirSync(new URL('.', RESULTS), { recursive: true });
  const json = { benchmark: 'crypto', ...env, secondsPerMeasurement: seconds, totalSeconds, cases: results };
  writeFileSync(RESULTS, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${fileURLToPath(RESULTS)}`);
}

await main();
