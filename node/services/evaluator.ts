/** The Evaluator service (appliances): Evaluate and GetKeyInfo. See proto/splitkey/v1/evaluator.proto. */
import type * as grpc from '@grpc/grpc-js';
import { DeserializeError, checkKeyName } from '../../crypto/index.js';
import { PACKED } from '../evaluate-job.js';
import type { EvaluatePool } from '../evaluate-pool.js';
import type { EvaluateRequest__Output } from '../../proto/gen/splitkey/v1/EvaluateRequest.js';
import type { EvaluateResponse } from '../../proto/gen/splitkey/v1/EvaluateResponse.js';
import type { EvaluatorHandlers } from '../../proto/gen/splitkey/v1/Evaluator.js';
import type { GetKeyInfoRequest__Output } from '../../proto/gen/splitkey/v1/GetKeyInfoRequest.js';
import type { KeyInfo } from '../../proto/gen/splitkey/v1/KeyInfo.js';
import { callerIdentity, requireRole, requireTenant } from '../auth.js';
import { invalidArgument, resourceExhausted } from '../errors.js';
import { QueryBudget } from '../limits.js';
import { unary } from '../rpc.js';
import type { NodeRuntime } from '../runtime.js';
import { keyInfo } from './key-info.js';

function checkName(name: string): void {
  try {
    checkKeyName(name, 'key_name');
  } catch (e) {
    throw invalidArgument((e as Error).message);
  }
}

export function evaluatorHandlers(rt: NodeRuntime, pool: EvaluatePool): EvaluatorHandlers {
  const { config } = rt;
  return {
    Evaluate: unary<EvaluateRequest__Output, EvaluateResponse>(rt.rpc, 'Evaluate', async (req, call, audit) => {
      const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, config.insecureLoopback), 'client');
      audit.identity = id.uri;
      audit.key = req.keyName;
      audit.batch = req.blindedElements.length;
      checkName(req.keyName);
      requireTenant(id, req.keyName);
      const batch = req.blindedElements.length;
      if (batch === 0) throw invalidArgument('blinded_elements is empty');
      if (batch > config.limits.maxBatch) throw resourceExhausted(`batch of ${batch} exceeds the limit of ${config.limits.maxBatch}`);
      // Before the queue's "node busy" (which a client waits out): this one never passes.
      rt.rateLimiter.checkSize(id.uri, batch);
      // Lengths here (packing needs them); canonical encoding and non-identity on the worker.
      req.blindedElements.forEach((b, j) => {
        if (b.length !== PACKED) throw new DeserializeError(`blindedElements[${j}]`, `expected ${PACKED} bytes, got ${b.length}`);
      });
      // Refusals that cost the caller nothing come first: a full queue spends no rate tokens.
      pool.admit(id.tenant, batch);
      rt.rateLimiter.take(id.uri, batch);
      const requested = rt.store.resolve(req.keyName, req.keyVersion);
      audit.version = requested.record.version;
      rt.store.usableShare(requested);
      const slot = QueryBudget.slot(req.keyName, requested.record.version);
      // Reserved now, so requests in the queue cannot overspend it together; refunded on failure.
      rt.queryBudget.check(slot, batch);
      await rt.queryBudget.reserve(slot, batch);
      rt.queryBudget.charge(slot, batch);
      let outcome;
      try {
        outcome = await pool.submit(
          id.tenant,
          req.blindedElements,
          () => {
            // Read when the job starts: a version destroyed or refreshed while this request
            // waited is answered as it stands then, with the epoch of the share actually used.
            const v = rt.store.resolve(req.keyName, requested.record.version);
            return { index: config.index, share: rt.store.usableShare(v), publicShare: v.publicShares.get(config.index)!, epoch: v.record.epoch };
          },
          () => call.cancelled,
        );
      } catch (e) {
        // Only answered queries count: a request refused for a malformed element spends no budget.
        rt.queryBudget.refund(slot, batch);
        throw e;
      }
      rt.metrics.batchSize.observe(batch);
      rt.metrics.queries.inc({ key: req.keyName, version: String(requested.record.version) }, batch);
      return {
        nodeIndex: config.index,
        keyVersion: requested.record.version,
        epoch: String(outcome.prepared.epoch),
        evaluatedElements: outcome.evaluatedElements,
        proof: outcome.proof,
      };
    }),
    GetKeyInfo: unary<GetKeyInfoRequest__Output, KeyInfo>(
      rt.rpc,
      'GetKeyInfo',
      (req, call) => {
        const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, config.insecureLoopback), 'client');
        checkName(req.keyName);
        requireTenant(id, req.keyName);
        return keyInfo(rt.store, req.keyName);
      },
      { audited: false },
    ),
  };
}
