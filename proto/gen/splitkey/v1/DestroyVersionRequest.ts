// Original file: proto/splitkey/v1/admin.proto

import type { SignedDestroyOrder as _splitkey_v1_SignedDestroyOrder, SignedDestroyOrder__Output as _splitkey_v1_SignedDestroyOrder__Output } from '../../splitkey/v1/SignedDestroyOrder.js';

export interface DestroyVersionRequest {
  'keyName'?: (string);
  'keyVersion'?: (number);
  'expectedRecord'?: (Buffer | Uint8Array | string);
  'order'?: (_splitkey_v1_SignedDestroyOrder | null);
}

export interface DestroyVersionRequest__Output {
  'keyName': (string);
  'keyVersion': (number);
  'expectedRecord': (Buffer);
  'order': (_splitkey_v1_SignedDestroyOrder__Output | null);
}
