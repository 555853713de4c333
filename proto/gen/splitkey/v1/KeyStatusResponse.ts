// Original file: proto/splitkey/v1/admin.proto

import type { KeyInfo as _splitkey_v1_KeyInfo, KeyInfo__Output as _splitkey_v1_KeyInfo__Output } from '../../splitkey/v1/KeyInfo.js';
import type { VersionHealth as _splitkey_v1_VersionHealth, VersionHealth__Output as _splitkey_v1_VersionHealth__Output } from '../../splitkey/v1/VersionHealth.js';

export interface KeyStatusResponse {
  'info'?: (_splitkey_v1_KeyInfo | null);
  'health'?: (_splitkey_v1_VersionHealth)[];
}

export interface KeyStatusResponse__Output {
  'info': (_splitkey_v1_KeyInfo__Output | null);
  'health': (_splitkey_v1_VersionHealth__Output)[];
}
