// Original file: proto/splitkey/v1/common.proto

import type { KeyVersionInfo as _splitkey_v1_KeyVersionInfo, KeyVersionInfo__Output as _splitkey_v1_KeyVersionInfo__Output } from '../../splitkey/v1/KeyVersionInfo.js';

export interface KeyInfo {
  'keyName'?: (string);
  'versions'?: (_splitkey_v1_KeyVersionInfo)[];
}

export interface KeyInfo__Output {
  'keyName': (string);
  'versions': (_splitkey_v1_KeyVersionInfo__Output)[];
}
