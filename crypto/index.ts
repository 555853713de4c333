/** The splitkey crypto core: pure functions, no I/O. See DESIGN.md "Cryptography". */
export * from './bytes.js';
export * from './errors.js';
export * from './group.js';
export * from './suite.js';
export * from './oprf.js';
export * from './dleq.js';
export * from './shamir.js';
export * from './resource-key.js';
export * from './threshold.js';
export * as envelope from './envelope.js';
export * from './dealing.js';
export * from './lifecycle.js';
export * from './records.js';
export * from './receipt.js';
export * from './destroy-order.js';
export * from './san.js';
