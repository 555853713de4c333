// Original file: proto/splitkey/v1/admin.proto

import type { QuorumUniverse as _splitkey_v1_QuorumUniverse, QuorumUniverse__Output as _splitkey_v1_QuorumUniverse__Output } from '../../splitkey/v1/QuorumUniverse.js';

export interface ImportShareRequest {
  'keyName'?: (string);
  'keyVersion'?: (number);
  'threshold'?: (number);
  'nodeIndices'?: (number)[];
  'commitments'?: (Buffer | Uint8Array | string)[];
  'nodeIndex'?: (number);
  'share'?: (Buffer | Uint8Array | string);
  'quorum'?: (_splitkey_v1_QuorumUniverse | null);
}

export interface ImportShareRequest__Output {
  'keyName': (string);
  'keyVersion': (number);
  'threshold': (number);
  'nodeIndices': (number)[];
  'commitments': (Buffer)[];
  'nodeIndex': (number);
  'share': (Buffer);
  'quorum': (_splitkey_v1_QuorumUniverse__Output | null);
}
