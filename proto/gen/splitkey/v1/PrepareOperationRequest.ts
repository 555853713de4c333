// Original file: proto/splitkey/v1/admin.proto

import type { OperationParams as _splitkey_v1_OperationParams, OperationParams__Output as _splitkey_v1_OperationParams__Output } from '../../splitkey/v1/OperationParams.js';

export interface PrepareOperationRequest {
  'params'?: (_splitkey_v1_OperationParams | null);
}

export interface PrepareOperationRequest__Output {
  'params': (_splitkey_v1_OperationParams__Output | null);
}
