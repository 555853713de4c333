// Original file: proto/splitkey/v1/admin.proto

import type { KeySummary as _splitkey_v1_KeySummary, KeySummary__Output as _splitkey_v1_KeySummary__Output } from '../../splitkey/v1/KeySummary.js';

export interface ListKeysResponse {
  'keys'?: (_splitkey_v1_KeySummary)[];
}

export interface ListKeysResponse__Output {
  'keys': (_splitkey_v1_KeySummary__Output)[];
}
