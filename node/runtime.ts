/** Everything a handler needs from the running node, in one object. */
import type { Group } from '../crypto/index.js';
import type { NodeConfig } from './config.js';
import type { QueryBudget, RateLimiter } from './limits.js';
import type { Logger } from './log.js';
import type { NodeMetrics } from './metrics.js';
import type { RpcContext } from './rpc.js';
import type { ShareStore } from './store.js';
import type { LifecycleHandler } from './lifecycle.js';
import type { PeerClients } from './peer-client.js';
import type { ClusterView } from './cluster-view.js';

export interface NodeRuntime {
  config: NodeConfig;
  group: Group;
  log: Logger;
  metrics: NodeMetrics;
  rpc: RpcContext;
  store: ShareStore;
  lifecycle: LifecycleHandler;
  peers: PeerClients;
  /** This node's own cluster descriptor: peer addresses and the policy's minThreshold. */
  cluster: ClusterView;
  rateLimiter: RateLimiter;
  queryBudget: QueryBudget;
  startedAt: number;
}
