/**
 * A Byzantine node for integration tests: an in-process gRPC server that speaks the
 * splitkey.v1.Evaluator service over mTLS with a genuine node certificate for its index (issued
 * by the dev cluster's CA, DIR/ca.crt + DIR/ca.key), forwards every call to the real node and
 * corrupts the answers of Evaluate while keeping the node's proof. GetKeyInfo is forwarded
 * unchanged, so the client computes pk_i from the honest commitments and the bad partial can only
 * be caught by its DLEQ proof.
 *
 * The real node authorizes by the caller's certificate, so the proxy forwards with a client
 * certificate of the tenant it is told (the same tenant as the appliance under test).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { issueCert } from '../../cli/pki.js';
import { GENERATOR, loadGroup, type Group } from '../../crypto/index.js';
import type { EvaluateRequest__Output } from '../../proto/gen/splitkey/v1/EvaluateRequest.js';
import type { EvaluateResponse, EvaluateResponse__Output } from '../../proto/gen/splitkey/v1/EvaluateResponse.js';
import type { EvaluatorClient, EvaluatorHandlers } from '../../proto/gen/splitkey/v1/Evaluator.js';
import type { GetKeyInfoRequest__Output } from '../../proto/gen/splitkey/v1/GetKeyInfoRequest.js';
import type { KeyInfo, KeyInfo__Output } from '../../proto/gen/splitkey/v1/KeyInfo.js';
import { loadSplitkeyProto } from '../../proto/load.js';

/**
 * How Evaluate answers are corrupted (the proof is always passed through untouched):
 * - `generator`: every Z_i is replaced by G (a valid, canonical element);
 * - `add-generator`: every Z_i becomes Z_i + G;
 * - `honest`: forwarded unchanged (a control).
 */
export type Corruption = 'generator' | 'add-generator' | 'honest';

export interface ByzantineProxyOptions {
  /** The dev cluster directory holding ca.crt and ca.key. */
  clusterDir: string;
  /** Shamir index the proxy impersonates (its server certificate is splitkey://node/<index>). */
  index: number;
  /** host:port of the real node with that index. */
  upstream: string;
  /** Tenant of the client certificate used towards the real node. */
  tenant: string;
  corruption?: Corruption;
  /** Evaluate answers claim this share epoch instead of the node's (a node lying about its epoch). */
  epoch?: string;
}

export interface ByzantineProxy {
  index: number;
  /** 127.0.0.1:<port> to put in a cluster descriptor in place of the real node. */
  address: string;
  /** Evaluate calls received so far. */
  readonly evaluateCalls: number;
  /** Evaluate answers sent back corrupted so far. */
  readonly corrupted: number;
  /** GetKeyInfo calls received so far (each is one record fetch of the client's). */
  readonly keyInfoCalls: number;
  close(): Promise<void>;
}

function forwardError(err: grpc.ServiceError): Partial<grpc.StatusObject> {
  return { code: err.code, details: err.details, metadata: err.metadata };
}

/** Time left before the caller's deadline, passed on to the real node. */
function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>): grpc.Deadline {
  const d = call.getDeadline();
  return d instanceof Date || typeof d === 'number' ? d : Date.now() + 5_000;
}

function corrupt(group: Group, mode: Corruption, elements: Uint8Array[]): Uint8Array[] {
  switch (mode) {
    case 'generator':
      return elements.map(() => Uint8Array.from(GENERATOR));
    case 'add-generator':
      return elements.map((z) => group.add(z, GENERATOR));
    case 'honest':
      return elements;
  }
}

export async function startByzantineProxy(opts: ByzantineProxyOptions): Promise<ByzantineProxy> {
  const mode = opts.corruption ?? 'add-generator';
  const group = await loadGroup('sodium');
  const ca = { certPem: await readFile(join(opts.clusterDir, 'ca.crt'), 'utf8'), keyPem: await readFile(join(opts.clusterDir, 'ca.key'), 'utf8') };
  const serverPair = await issueCert(ca, { role: 'node', index: opts.index });
  const clientPair = await issueCert(ca, { role: 'client', tenant: opts.tenant, name: `byzantine-proxy-${opts.index}` });
  const caPem = Buffer.from(ca.certPem);

  const proto = loadSplitkeyProto().splitkey.v1.Evaluator;
  const upstream: EvaluatorClient = new proto(opts.upstream, grpc.credentials.createSsl(caPem, Buffer.from(clientPair.keyPem), Buffer.from(clientPair.certPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  });

  let evaluateCalls = 0;
  let corrupted = 0;
  let keyInfoCalls = 0;
  const handlers: EvaluatorHandlers = {
    Evaluate: (call: grpc.ServerUnaryCall<EvaluateRequest__Output, EvaluateResponse>, callback: grpc.sendUnaryData<EvaluateResponse>) => {
      evaluateCalls++;
      upstream.Evaluate(call.request, new grpc.Metadata(), { deadline: deadlineOf(call as grpc.ServerUnaryCall<unknown, unknown>) }, (err, res?: EvaluateResponse__Output) => {
        if (err) return callback(forwardError(err));
        const answer = res!;
        if (mode !== 'honest') corrupted++;
        callback(null, { ...answer, evaluatedElements: corrupt(group, mode, answer.evaluatedElements), ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}) });
      });
    },
    GetKeyInfo: (call: grpc.ServerUnaryCall<GetKeyInfoRequest__Output, KeyInfo>, callback: grpc.sendUnaryData<KeyInfo>) => {
      keyInfoCalls++;
      upstream.GetKeyInfo(call.request, new grpc.Metadata(), { deadline: deadlineOf(call as grpc.ServerUnaryCall<unknown, unknown>) }, (err, res?: KeyInfo__Output) =>
        err ? callback(forwardError(err)) : callback(null, res!),
      );
    },
  };

  const server = new grpc.Server();
  server.addService(proto.service, handlers);
  const credentials = grpc.ServerCredentials.createSsl(caPem, [{ private_key: Buffer.from(serverPair.keyPem), cert_chain: Buffer.from(serverPair.certPem) }], true);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));

  return {
    index: opts.index,
    address: `127.0.0.1:${port}`,
    get evaluateCalls() {
      return evaluateCalls;
    },
    get corrupted() {
      return corrupted;
    },
    get keyInfoCalls() {
      return keyInfoCalls;
    },
    close: async () => {
      upstream.close();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
