/** The splitkey appliance library (the package's main export). */
export { connect, SplitkeyClient, type ConnectOptions, type DerivedKey, type EvaluationWarning } from './client.js';
export { AdminClient } from './admin.js';
export { NodeChannels, readTlsFiles, type Credentials } from './channels.js';
export { loadDescriptor, parseDescriptor, checkFailureDomains, type ClusterDescriptor, type NodeEndpoint } from './descriptor.js';
export { ThresholdError, KeyError, ConfigError, type NodeFailure, type NodeFailureReason } from './errors.js';
export { ThresholdEvaluator, type VerifiedKey, type VerifiedVersion } from './evaluate.js';
export * from './master.js';
export * from './file.js';
