// Original file: proto/splitkey/v1/admin.proto

import type { QuorumUniverse as _splitkey_v1_QuorumUniverse, QuorumUniverse__Output as _splitkey_v1_QuorumUniverse__Output } from '../../splitkey/v1/QuorumUniverse.js';
import type { Long } from '@grpc/proto-loader';

export interface VersionHealth {
  'version'?: (number);
  'status'?: (string);
  'queries'?: (number | string | Long);
  'quorum'?: (_splitkey_v1_QuorumUniverse | null);
}

export interface VersionHealth__Output {
  'version': (number);
  'status': (string);
  'queries': (string);
  'quorum': (_splitkey_v1_QuorumUniverse__Output | null);
}
