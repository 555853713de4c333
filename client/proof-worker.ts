/**
 * Worker-thread entry of the client's proof checker (client/proof-checker.ts). Three jobs:
 *
 * - check: verify one node's answer — its evaluated elements and batched DLEQ proof against its
 *   pk_i — and, when the job carries combine weights, scale the verified elements;
 * - blind: RFC 9497 Blind of a slice of a large batch with this thread's own randomness; the
 *   blinds r_j stay here (zeroed) and only the blinded elements and r_j⁻¹ go back;
 * - combine: N[j] = r_j⁻¹·Σ λ_i·Z_i[j] over answers already checked.
 *
 * Runs the same crypto/ functions as the inline paths; nothing here decides what is valid.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { blindInverted, combineUnblindInverted, createSuite, loadGroup, scaleElements, verifyPartial, type BackendName, systemRng } from '../crypto/index.js';
import { packElements, unpackElements, type BlindJob, type CheckJob, type CombineJob, type Job, type JobResult } from './proof-job.js';

const port = parentPort;
if (!port) throw new Error('proof-worker.js runs as a worker thread only');

// Jobs posted before the group backend is ready wait in the port until this listener exists; the
// pool sends none before the 'ready' message below. The backend is the checker's own (native when
// built, libsodium wasm otherwise).
const suite = createSuite(await loadGroup((workerData as { backend?: BackendName } | undefined)?.backend));

function check(job: CheckJob): Uint8Array[] {
  const m = job.blinded.length / 32;
  const blinded = unpackElements(job.blinded, m);
  const response = verifyPartial(suite, job.publicShare, blinded, {
    index: job.index,
    evaluatedElements: unpackElements(job.evaluated, job.evaluated.length / 32),
    proof: job.proof,
  });
  if (!job.weights) return [];
  const weights = unpackElements(job.weights, m);
  return [packElements(scaleElements(suite.group, weights, response.evaluatedElements))];
}

function blindSlice(job: BlindJob): Uint8Array[] {
  const inputs: Uint8Array[] = [];
  let at = 0;
  for (const n of job.lengths) {
    inputs.push(job.inputs.subarray(at, at + n));
    at += n;
  }
  const { blinded, inverses } = blindInverted(suite, inputs, systemRng);
  const packed = packElements(inverses);
  for (const inv of inverses) inv.fill(0);
  return [packElements(blinded), packed];
}

function combine(job: CombineJob): Uint8Array[] {
  const m = job.inverses.length / 32;
  const responses = job.indices.map((index, i) => ({ index, evaluatedElements: unpackElements(job.evaluated[i]!, m), proof: new Uint8Array(0) }));
  return [packElements(combineUnblindInverted(suite, responses, unpackElements(job.inverses, m)))];
}

port.on('message', (job: Job) => {
  let result: JobResult;
  try {
    const out = job.kind === 'blind' ? blindSlice(job) : job.kind === 'combine' ? combine(job) : check(job);
    result = { id: job.id, ok: true, out };
  } catch (e) {
    const err = e as Error & { field?: string };
    result = { id: job.id, ok: false, name: err.name, field: err.field, message: err.message };
  } finally {
    if (job.kind === 'check') job.weights?.fill(0);
    if (job.kind === 'combine') job.inverses.fill(0);
  }
  port.postMessage(result, result.ok ? result.out.map((b) => b.buffer as ArrayBuffer) : []);
});
port.postMessage('ready');
