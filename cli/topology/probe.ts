/**
 * `splitkey cluster probe --config FILE`: the container probe. It runs next to the node (an exec
 * probe), reads the node's own config, and asks the node's gRPC port for grpc.health.v1 over
 * mTLS with the node's own certificate, pinning the answer to the node's identity
 * (splitkey://node/<index>). SERVING → exit 0. Anything else → exit 1, one line saying why;
 * with `live`, NOT_SERVING also counts as alive (a draining node must not be restarted).
 */
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { pinnedIdentityError } from '../../client/channels.js';
import { nodeIdentity } from '../../client/descriptor.js';
import { loadNodeConfig, parseHostPort } from '../../node/config.js';

export interface ProbeResult {
  ok: boolean;
  status: string;
}

const LOCAL: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1' };

export async function probeNode(configFile: string, opts: { live?: boolean; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const config = await loadNodeConfig(configFile);
  const { host, port } = parseHostPort(config.listen);
  const target = LOCAL[host] ?? host;
  const address = target.includes(':') ? `[${target}]:${port}` : `${target}:${port}`;
  let creds: grpc.ChannelCredentials;
  if (config.tls) {
    const [ca, cert, key] = await Promise.all([readFile(config.tls.ca), readFile(config.tls.cert), readFile(config.tls.key)]);
    creds = grpc.credentials.createSsl(ca, key, cert, { checkServerIdentity: (_h, c) => pinnedIdentityError(c, nodeIdentity(config.index), address) });
  } else {
    creds = grpc.credentials.createInsecure();
  }
  const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(address, creds, { 'grpc.ssl_target_name_override': 'localhost', 'grpc.enable_channelz': 0 });
  try {
    const status = await new Promise<string>((resolve, reject) => {
      const check = (client as unknown as Record<string, Function>).Check!.bind(client);
      check({ service: '' }, new grpc.Metadata(), { deadline: Date.now() + (opts.timeoutMs ?? 3000) }, (err: grpc.ServiceError | null, res?: { status: string | number }) =>
        err ? reject(err) : resolve(String(res?.status)),
      );
    });
    const serving = status === 'SERVING' || status === '1';
    const notServing = status === 'NOT_SERVING' || status === '2';
    return { ok: serving || (opts.live === true && notServing), status: serving ? 'SERVING' : notServing ? 'NOT_SERVING' : status };
  } catch (e) {
    const err = e as grpc.ServiceError;
    return { ok: false, status: `no answer from ${address}: ${err.details || err.message}` };
  } finally {
    client.close();
  }
}
