// Original file: proto/splitkey/v1/admin.proto

import type { QuorumUniverse as _splitkey_v1_QuorumUniverse, QuorumUniverse__Output as _splitkey_v1_QuorumUniverse__Output } from '../../splitkey/v1/QuorumUniverse.js';
import type { Long } from '@grpc/proto-loader';

export interface OperationParams {
  'sessionId'?: (string);
  'kind'?: (string);
  'keyName'?: (string);
  'keyVersion'?: (number);
  'threshold'?: (number);
  'receivers'?: (number)[];
  'dealers'?: (number)[];
  'epoch'?: (number | string | Long);
  'oldThreshold'?: (number);
  'oldNodeIndices'?: (number)[];
  'oldCommitments'?: (Buffer | Uint8Array | string)[];
  'oldEpoch'?: (number | string | Long);
  'retire'?: (number)[];
  'oldLineage'?: (Buffer | Uint8Array | string)[];
  'witnesses'?: (number)[];
  'quorum'?: (_splitkey_v1_QuorumUniverse | null);
  'nextQuorum'?: (_splitkey_v1_QuorumUniverse | null);
}

export interface OperationParams__Output {
  'sessionId': (string);
  'kind': (string);
  'keyName': (string);
  'keyVersion': (number);
  'threshold': (number);
  'receivers': (number)[];
  'dealers': (number)[];
  'epoch': (string);
  'oldThreshold': (number);
  'oldNodeIndices': (number)[];
  'oldCommitments': (Buffer)[];
  'oldEpoch': (string);
  'retire': (number)[];
  'oldLineage': (Buffer)[];
  'witnesses': (number)[];
  'quorum': (_splitkey_v1_QuorumUniverse__Output | null);
  'nextQuorum': (_splitkey_v1_QuorumUniverse__Output | null);
}
