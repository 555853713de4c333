/**
 * What `splitkey key …` needs at run time (the client library, gRPC), imported by its actions
 * only: registering the command and printing its help load none of it.
 */
export { AdminClient } from '../../client/admin.js';
export { NodeChannels } from '../../client/channels.js';
export { resolveCredentials } from '../../client/client.js';
export { checkFailureDomains, mergeDescriptors } from '../../client/descriptor.js';
export { KeyError } from '../../client/errors.js';
export { KeyManager } from '../../client/key-manager.js';
export { receiptBundle } from '../../client/receipt.js';
export { loadClusterDescriptor } from '../config-files.js';
export { adminCall, askNodes, describeFailures, requireAnswers } from '../node-failures.js';
