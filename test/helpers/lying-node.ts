/**
 * A lying node for the adversarial tier: an in-process Evaluator server over mTLS with a genuine
 * certificate for its index (splitkey://node/<index>, from the test CA), placed in the client's
 * descriptor instead of the real node. It forwards to the real node (with a client certificate of
 * the tenant) and lies about key records, backing its lies with a key `x` it chose and valid
 * proofs under x·G — the strongest lie a single node can tell.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { issueCert, type PemPair } from '../../cli/pki.js';
import { createSuite, evaluatePartial, loadGroup, randomScalar } from '../../crypto/index.js';
import type { EvaluateRequest__Output } from '../../proto/gen/splitkey/v1/EvaluateRequest.js';
import type { EvaluateResponse } from '../../proto/gen/splitkey/v1/EvaluateResponse.js';
import type { EvaluatorClient, EvaluatorHandlers } from '../../proto/gen/splitkey/v1/Evaluator.js';
import type { GetKeyInfoRequest__Output } from '../../proto/gen/splitkey/v1/GetKeyInfoRequest.js';
import type { KeyInfo, KeyInfo__Output } from '../../proto/gen/splitkey/v1/KeyInfo.js';
import type { KeyVersionInfo__Output } from '../../proto/gen/splitkey/v1/KeyVersionInfo.js';
import { loadSplitkeyProto } from '../../proto/load.js';

/**
 * - `forge-version`: reports an extra version (newest + 1), t = 1, held by itself, committed to x;
 * - `rewrite`: reports every existing version with t = 1, held by itself, committed to x;
 * - `destroyed`: reports every version destroyed;
 * Evaluate for a version it lied about is answered with x and a valid proof under x·G.
 */
export type Lie = 'forge-version' | 'rewrite' | 'destroyed';

export interface LyingNode {
  index: number;
  address: string;
  /** Evaluate calls answered with the liar's own key x. */
  readonly answeredWithX: number;
  close(): Promise<void>;
}

export async function startLyingNode(opts: { ca: PemPair; index: number; upstream: string; tenant: string; lie: Lie }): Promise<LyingNode> {
  const group = await loadGroup('sodium');
  const suite = createSuite(group);
  const rng = (n: number) => new Uint8Array(randomBytes(n));
  const x = randomScalar(group, rng);
  const X = group.mulBase(x);
  const server = await issueCert(opts.ca, { role: 'node', index: opts.index });
  const client = await issueCert(opts.ca, { role: 'client', tenant: opts.tenant, name: `liar-${opts.index}` });
  const caPem = Buffer.from(opts.ca.certPem);
  const Evaluator = loadSplitkeyProto().splitkey.v1.Evaluator;
  const upstream: EvaluatorClient = new Evaluator(opts.upstream, grpc.credentials.createSsl(caPem, Buffer.from(client.keyPem), Buffer.from(client.certPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const lied = new Set<number>();
  let answeredWithX = 0;
  const lie = (v: KeyVersionInfo__Output): KeyVersionInfo__Output => {
    if (opts.lie === 'destroyed') return { ...v, state: 'KEY_STATE_DESTROYED' };
    lied.add(v.version);
    const Xb = Buffer.from(X);
    return { ...v, threshold: 1, nodeIndices: [opts.index], publicKey: Xb, commitments: [Xb], publicShares: [{ index: opts.index, publicShare: Xb }] };
  };
  const handlers: EvaluatorHandlers = {
    GetKeyInfo: (call: grpc.ServerUnaryCall<GetKeyInfoRequest__Output, KeyInfo>, cb: grpc.sendUnaryData<KeyInfo>) => {
      upstream.GetKeyInfo(call.request, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (err, res?: KeyInfo__Output) => {
        if (err) return cb({ code: err.code, details: err.details });
        const versions = res!.versions;
        if (opts.lie === 'forge-version') {
          const newest = versions[versions.length - 1];
          const forged = lie({ ...newest!, version: (newest?.version ?? 0) + 1, state: 'KEY_STATE_ACTIVE', epoch: '1' });
          return cb(null, { ...res!, versions: [...versions, forged] });
        }
        cb(null, { ...res!, versions: versions.map(lie) });
      });
    },
    Evaluate: (call: grpc.ServerUnaryCall<EvaluateRequest__Output, EvaluateResponse>, cb: grpc.sendUnaryData<EvaluateResponse>) => {
      if (lied.has(call.request.keyVersion)) {
        answeredWithX++;
        const r = evaluatePartial(suite, { index: opts.index, value: x }, X, call.request.blindedElements, rng);
        return cb(null, { nodeIndex: opts.index, keyVersion: call.request.keyVersion, evaluatedElements: r.evaluatedElements, proof: r.proof, epoch: '1' });
      }
      upstream.Evaluate(call.request, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (err, res) => (err ? cb({ code: err.code, details: err.details }) : cb(null, res!)));
    },
  };
  const srv = new grpc.Server();
  srv.addService(Evaluator.service, handlers);
  const creds = grpc.ServerCredentials.createSsl(caPem, [{ private_key: Buffer.from(server.keyPem), cert_chain: Buffer.from(server.certPem) }], true);
  const port = await new Promise<number>((resolve, reject) => srv.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))));
  return {
    index: opts.index,
    address: `127.0.0.1:${port}`,
    get answeredWithX() {
      return answeredWithX;
    },
    close: async () => {
      upstream.close();
      srv.forceShutdown();
    },
  };
}
