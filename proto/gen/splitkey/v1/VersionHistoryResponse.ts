// Original file: proto/splitkey/v1/peer.proto

import type { SignedDestroyOrder as _splitkey_v1_SignedDestroyOrder, SignedDestroyOrder__Output as _splitkey_v1_SignedDestroyOrder__Output } from '../../splitkey/v1/SignedDestroyOrder.js';
import type { Long } from '@grpc/proto-loader';

export interface VersionHistoryResponse {
  'history'?: (string);
  'sessionId'?: (string);
  'publicKey'?: (Buffer | Uint8Array | string);
  'threshold'?: (number);
  'nodeIndices'?: (number)[];
  'commitments'?: (Buffer | Uint8Array | string)[];
  'epoch'?: (number | string | Long);
  'state'?: (string);
  'lineage'?: (Buffer | Uint8Array | string)[];
  'ancestorHeld'?: (boolean);
  'pendingSession'?: (string);
  'queriesAnswered'?: (number | string | Long);
  'pendingParams'?: (Buffer | Uint8Array | string);
  'destroyedByOperator'?: (boolean);
  'leftFor'?: (Buffer | Uint8Array | string);
  'destroyOrder'?: (_splitkey_v1_SignedDestroyOrder | null);
}

export interface VersionHistoryResponse__Output {
  'history': (string);
  'sessionId': (string);
  'publicKey': (Buffer);
  'threshold': (number);
  'nodeIndices': (number)[];
  'commitments': (Buffer)[];
  'epoch': (string);
  'state': (string);
  'lineage': (Buffer)[];
  'ancestorHeld': (boolean);
  'pendingSession': (string);
  'queriesAnswered': (string);
  'pendingParams': (Buffer);
  'destroyedByOperator': (boolean);
  'leftFor': (Buffer);
  'destroyOrder': (_splitkey_v1_SignedDestroyOrder__Output | null);
}
