/**
 * Worker-thread entry of the node's Evaluate pool (node/evaluate-pool.ts): Z_i = k_i·B for every
 * blinded element and one batched DLEQ proof, with the same crypto/ functions the node used on
 * its own thread before (RFC 9497 BlindEvaluate + GenerateProof), so answers are byte-for-byte
 * what they were. Elements are decoded strictly here (canonical, non-identity); a malformed one
 * comes back as the DeserializeError the main thread turns into INVALID_ARGUMENT.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MODE_VOPRF, createSuite, evaluatePartial, loadGroup, type BackendName, systemRng } from '../crypto/index.js';
import { packElements, unpackElements, type EvaluateJob, type EvaluateResult } from './evaluate-job.js';

const port = parentPort;
if (!port) throw new Error('evaluate-worker.js runs as a worker thread only');

const suite = createSuite(await loadGroup((workerData as { backend?: BackendName } | undefined)?.backend), MODE_VOPRF);
const rng = systemRng;

port.on('message', (job: EvaluateJob) => {
  let result: EvaluateResult;
  const transfer: ArrayBuffer[] = [];
  try {
    const res = evaluatePartial(suite, { index: job.index, value: job.share }, job.publicShare, unpackElements(job.blinded), rng);
    const evaluated = packElements(res.evaluatedElements);
    transfer.push(evaluated.buffer as ArrayBuffer);
    result = { id: job.id, ok: true, evaluated, proof: res.proof };
  } catch (e) {
    const err = e as Error & { field?: string; reason?: string };
    result = { id: job.id, ok: false, name: err.name, field: err.field, reason: err.reason, message: err.message };
  } finally {
    job.share.fill(0);
  }
  port.postMessage(result, transfer);
});
port.postMessage('ready');
