// Original file: proto/splitkey/v1/common.proto

import type { NodePublicShare as _splitkey_v1_NodePublicShare, NodePublicShare__Output as _splitkey_v1_NodePublicShare__Output } from '../../splitkey/v1/NodePublicShare.js';
import type { KeyState as _splitkey_v1_KeyState, KeyState__Output as _splitkey_v1_KeyState__Output } from '../../splitkey/v1/KeyState.js';
import type { Long } from '@grpc/proto-loader';

export interface KeyVersionInfo {
  'version'?: (number);
  'threshold'?: (number);
  'nodeIndices'?: (number)[];
  'publicKey'?: (Buffer | Uint8Array | string);
  'publicShares'?: (_splitkey_v1_NodePublicShare)[];
  'state'?: (_splitkey_v1_KeyState);
  'epoch'?: (number | string | Long);
  'createdAtMs'?: (number | string | Long);
  'commitments'?: (Buffer | Uint8Array | string)[];
  'lineage'?: (Buffer | Uint8Array | string)[];
}

export interface KeyVersionInfo__Output {
  'version': (number);
  'threshold': (number);
  'nodeIndices': (number)[];
  'publicKey': (Buffer);
  'publicShares': (_splitkey_v1_NodePublicShare__Output)[];
  'state': (_splitkey_v1_KeyState__Output);
  'epoch': (string);
  'createdAtMs': (string);
  'commitments': (Buffer)[];
  'lineage': (Buffer)[];
}
