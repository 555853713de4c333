/**
 * A byzantine node for chaos runs: an Evaluator server over mTLS with a genuine certificate for
 * its index (issued by the cluster CA), standing in the workload's descriptor in place of the real
 * node. It forwards every call to the real node and, while a lie is switched on, lies the way the
 * adversarial tier of the test suite does (test/helpers/lying-node.ts, byzantine-proxy.ts):
 *
 * - `wrong-partial`: every Z_i becomes Z_i + G, the node's proof kept (caught by the DLEQ check);
 * - `forge-version`: reports an extra version (newest + 1), t = 1, held by itself, committed to a
 *   key x it chose, and answers it with x and a valid proof under x·G;
 * - `rewrite`: reports every version with t = 1, held by itself, committed to x;
 * - `destroyed`: reports every version destroyed.
 *
 * With no lie switched on it is an honest forwarder, so a run can turn a node byzantine for a
 * window and back without the workload reconnecting.
 */
import * as grpc from '@grpc/grpc-js';
import { createSuite, evaluatePartial, GENERATOR, loadGroup, randomScalar, systemRng } from '../../crypto/index.js';
import type { EvaluateRequest__Output } from '../../proto/gen/splitkey/v1/EvaluateRequest.js';
import type { EvaluateResponse, EvaluateResponse__Output } from '../../proto/gen/splitkey/v1/EvaluateResponse.js';
import type { EvaluatorClient, EvaluatorHandlers } from '../../proto/gen/splitkey/v1/Evaluator.js';
import type { GetKeyInfoRequest__Output } from '../../proto/gen/splitkey/v1/GetKeyInfoRequest.js';
import type { KeyInfo, KeyInfo__Output } from '../../proto/gen/splitkey/v1/KeyInfo.js';
import type { KeyVersionInfo__Output } from '../../proto/gen/splitkey/v1/KeyVersionInfo.js';
import { loadSplitkeyProto } from '../../proto/load.js';
import { issueCert, type PemPair } from '../pki.js';
import type { Lie } from './plan.js';

export interface ByzantineNode {
  index: number;
  /** 127.0.0.1:<port>, to put in the workload's descriptor in place of the real node. */
  address: string;
  /** The lie told from now on; undefined: forward honestly. */
  lie: Lie | undefined;
  /** Evaluate answers that were lies. */
  readonly lies: number;
  close(): Promise<void>;
}

const deadlineOf = (call: grpc.ServerUnaryCall<unknown, unknown>): grpc.Deadline => {
  const d = call.getDeadline();
  return d instanceof Date || typeof d === 'number' ? d : Date.now() + 5_000;
};
const forwardError = (err: grpc.ServiceError): Partial<grpc.StatusObject> => ({ code: err.code, details: err.details });

export async function startByzantineNode(opts: { ca: PemPair; index: number; upstream: string; tenant: string }): Promise<ByzantineNode> {
  const group = await loadGroup('sodium');
  const suite = createSuite(group);
  const rng = systemRng;
  const x = randomScalar(group, rng);
  const X = Buffer.from(group.mulBase(x));
  const server = await issueCert(opts.ca, { role: 'node', index: opts.index });
  const client = await issueCert(opts.ca, { role: 'client', tenant: opts.tenant, name: `byzantine-${opts.index}` });
  const caPem = Buffer.from(opts.ca.certPem);
  const Evaluator = loadSplitkeyProto().splitkey.v1.Evaluator;
  const upstream: EvaluatorClient = new Evaluator(opts.upstream, grpc.credentials.createSsl(caPem, Buffer.from(client.keyPem), Buffer.from(client.certPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const state = { lie: undefined as Lie | undefined, lies: 0 };
  /** Versions whose record this node rewrote to x: Evaluate for them is answered with x. */
  const forged = new Set<string>();
  const rewrite = (keyName: string, v: KeyVersionInfo__Output): KeyVersionInfo__Output => {
    if (state.lie === 'destroyed') return { ...v, state: 'KEY_STATE_DESTROYED' };
    forged.add(`${keyName}@${v.version}`);
    return { ...v, threshold: 1, nodeIndices: [opts.index], publicKey: X, commitments: [X], publicShares: [{ index: opts.index, publicShare: X }] };
  };

  const handlers: EvaluatorHandlers = {
    GetKeyInfo: (call: grpc.ServerUnaryCall<GetKeyInfoRequest__Output, KeyInfo>, cb: grpc.sendUnaryData<KeyInfo>) => {
      upstream.GetKeyInfo(call.request, new grpc.Metadata(), { deadline: deadlineOf(call as grpc.ServerUnaryCall<unknown, unknown>) }, (err, res?: KeyInfo__Output) => {
        if (err) return cb(forwardError(err));
        const info = res!;
        const lie = state.lie;
        if (!lie || lie === 'wrong-partial') return cb(null, info);
        if (lie === 'forge-version') {
          const newest = info.versions[info.versions.length - 1];
          if (!newest) return cb(null, info);
          return cb(null, { ...info, versions: [...info.versions, rewrite(info.keyName, { ...newest, version: newest.version + 1, state: 'KEY_STATE_ACTIVE', epoch: '1' })] });
        }
        cb(null, { ...info, versions: info.versions.map((v) => rewrite(info.keyName, v)) });
      });
    },
    Evaluate: (call: grpc.ServerUnaryCall<EvaluateRequest__Output, EvaluateResponse>, cb: grpc.sendUnaryData<EvaluateResponse>) => {
      const req = call.request;
      if (state.lie && state.lie !== 'wrong-partial' && forged.has(`${req.keyName}@${req.keyVersion}`)) {
        state.lies++;
        const r = evaluatePartial(suite, { index: opts.index, value: x }, X, req.blindedElements, rng);
        return cb(null, { nodeIndex: opts.index, keyVersion: req.keyVersion, evaluatedElements: r.evaluatedElements, proof: r.proof, epoch: '1' });
      }
      upstream.Evaluate(req, new grpc.Metadata(), { deadline: deadlineOf(call as grpc.ServerUnaryCall<unknown, unknown>) }, (err, res?: EvaluateResponse__Output) => {
        if (err) return cb(forwardError(err));
        if (state.lie !== 'wrong-partial') return cb(null, res!);
        state.lies++;
        cb(null, { ...res!, evaluatedElements: res!.evaluatedElements.map((z) => group.add(z, GENERATOR)) });
      });
    },
  };
  const srv = new grpc.Server();
  srv.addService(Evaluator.service, handlers);
  const creds = grpc.ServerCredentials.createSsl(caPem, [{ private_key: Buffer.from(server.keyPem), cert_chain: Buffer.from(server.certPem) }], true);
  const port = await new Promise<number>((resolve, reject) => srv.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))));
  return {
    index: opts.index,
    address: `127.0.0.1:${port}`,
    get lie() {
      return state.lie;
    },
    set lie(l: Lie | undefined) {
      state.lie = l;
      if (!l) forged.clear();
    },
    get lies() {
      return state.lies;
    },
    close: async () => {
      upstream.close();
      srv.forceShutdown();
    },
  };
}
