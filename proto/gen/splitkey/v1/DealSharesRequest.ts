// Original file: proto/splitkey/v1/admin.proto

import type { PeerAddress as _splitkey_v1_PeerAddress, PeerAddress__Output as _splitkey_v1_PeerAddress__Output } from '../../splitkey/v1/PeerAddress.js';

export interface DealSharesRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'receivers'?: (_splitkey_v1_PeerAddress)[];
}

export interface DealSharesRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'receivers': (_splitkey_v1_PeerAddress__Output)[];
}
