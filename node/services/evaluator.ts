/** The Evaluator service (appliances): Evaluate and GetKeyInfo. See proto/splitkey/v1/evaluator.proto. */
import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { checkKeyName, evaluatePartial } from '../../crypto/index.js';
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

const rng = (n: number) => new Uint8Array(randomBytes(n));

function checkName(name: string): void {
  try {
    checkKeyName(name, 'key_name');
  } catch (e) {
    throw invalidArgument((e as Error).message);
  }
}

export function evaluatorHandlers(rt: NodeRuntime): EvaluatorHandlers {
  const { config } = rt;
  return {
    Evaluate: unary<EvaluateRequest__Output, EvaluateResponse>(rt.rpc, 'Evaluate', (req, call, audit) => {
      const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, config.insecureLoopback), 'client');
      audit.identity = id.uri;
      audit.key = req.keyName;
      audit.batch = req.blindedElements.length;
      checkName(req.keyName);
      requireTenant(id, req.keyName);
      const batch = req.blindedElements.length;
      if (batch === 0) throw invalidArgument('blinded_elements is empty');
      if (batch > config.limits.maxBatch) throw resourceExhausted(`batch of ${batch} exceeds the limit of ${config.limits.maxBatch}`);
      rt.rateLimiter.take(id.uri, batch);
      const v = rt.store.resolve(req.keyName, req.keyVersion);
      audit.version = v.record.version;
      const share = rt.store.usableShare(v);
      const slot = QueryBudget.slot(req.keyName, v.record.version);
      rt.queryBudget.check(slot, batch);
      const pk = v.publicShares.get(rt.config.index)!;
      const res = evaluatePartial(rt.store.voprf, { index: config.index, value: share }, pk, req.blindedElements, rng);
      // Only answered queries count: a request refused for a malformed element spends no budget.
      rt.queryBudget.charge(slot, batch);
      rt.metrics.batchSize.observe(batch);
      rt.metrics.queries.inc({ key: req.keyName, version: String(v.record.version) }, batch);
      return {
        nodeIndex: config.index,
        keyVersion: v.record.version,
        epoch: String(v.record.epoch),
        evaluatedElements: res.evaluatedElements,
        proof: res.proof,
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
