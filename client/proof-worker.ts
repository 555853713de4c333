/**
 * Worker-thread entry of the client's proof checker (client/proof-checker.ts): verifies one
 * node's answer — its evaluated elements and batched DLEQ proof against its pk_i — and, when the
 * job carries combine weights, scales the verified elements for the combination. Runs the same
 * crypto/ functions as the inline path; nothing here decides what is valid.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSuite, loadGroup, scaleElements, verifyPartial, type BackendName } from '../crypto/index.js';
import { packElements, unpackElements, type CheckJob, type CheckResult } from './proof-job.js';

const port = parentPort;
if (!port) throw new Error('proof-worker.js runs as a worker thread only');

// Jobs posted before the group backend is ready wait in the port until this listener exists; the
// pool sends none before the 'ready' message below. The backend is the checker's own (native when
// built, libsodium wasm otherwise).
const suite = createSuite(await loadGroup((workerData as { backend?: BackendName } | undefined)?.backend));

port.on('message', (job: CheckJob) => {
  let result: CheckResult;
  const transfer: ArrayBuffer[] = [];
  try {
    const m = job.blinded.length / 32;
    const blinded = unpackElements(job.blinded, m);
    const response = verifyPartial(suite, job.publicShare, blinded, {
      index: job.index,
      evaluatedElements: unpackElements(job.evaluated, job.evaluated.length / 32),
      proof: job.proof,
    });
    let scaled: Uint8Array | undefined;
    if (job.weights) {
      const weights = unpackElements(job.weights, m);
      try {
        scaled = packElements(scaleElements(suite.group, weights, response.evaluatedElements));
      } finally {
        job.weights.fill(0);
      }
      transfer.push(scaled.buffer as ArrayBuffer);
    }
    result = { id: job.id, ok: true, scaled };
  } catch (e) {
    job.weights?.fill(0);
    const err = e as Error & { field?: string };
    result = { id: job.id, ok: false, name: err.name, field: err.field, message: err.message };
  }
  port.postMessage(result, transfer);
});
port.postMessage('ready');
