/** Errors of the appliance library, each with a stable `code`. */

/** Why one node did not contribute to an evaluation. */
export type NodeFailureReason =
  | 'timeout'
  | 'unavailable'
  | 'invalid proof'
  | 'wrong epoch'
  | 'permission denied'
  | 'not found'
  | 'failed precondition'
  | 'invalid argument'
  | 'rate limited'
  | 'not asked'
  | 'error';

export interface NodeFailure {
  index: number;
  reason: NodeFailureReason;
  detail: string;
  /** With "wrong epoch": the share epoch the node answered with. */
  epoch?: string;
}

/** Fewer than t nodes gave a valid answer. Lists every node that did not, with its reason. */
export class ThresholdError extends Error {
  readonly code = 'THRESHOLD_NOT_MET';
  constructor(
    readonly keyName: string,
    readonly version: number,
    readonly threshold: number,
    readonly valid: number,
    readonly failures: NodeFailure[],
    /** How many times the nodes were asked (more than 1 after rate-limit refusals: client/evaluate.ts). */
    readonly attempts = 1,
  ) {
    super(
      `${version > 0 ? `${keyName}@${version}` : keyName}: ${valid} of the ${threshold} required nodes answered validly; ` +
        [...failures].sort((a, b) => a.index - b.index).map((f) => `node ${f.index}: ${f.reason}${f.detail ? ` (${f.detail})` : ''}`).join('; ') +
        (attempts > 1 ? ` (asked ${attempts} times)` : ''),
    );
    this.name = 'ThresholdError';
  }

  /** Indices of nodes whose answers failed verification (possibly malicious). */
  get invalidProofNodes(): number[] {
    return this.failures.filter((f) => f.reason === 'invalid proof').map((f) => f.index);
  }
}

/** The key or version cannot be used (unknown, destroyed, or nodes disagree about it). */
export class KeyError extends Error {
  constructor(
    readonly code: 'KEY_NOT_FOUND' | 'KEY_EXISTS' | 'KEY_DESTROYED' | 'KEY_DECRYPT_ONLY' | 'KEY_INFO_DISAGREEMENT' | 'POLICY_VIOLATION',
    message: string,
  ) {
    super(message);
    this.name = 'KeyError';
  }
}

export class ConfigError extends Error {
  readonly code = 'CLIENT_CONFIG_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
