// Original file: proto/splitkey/v1/peer.proto


export interface VersionHistoryResponse {
  'history'?: (string);
  'sessionId'?: (string);
  'publicKey'?: (Buffer | Uint8Array | string);
}

export interface VersionHistoryResponse__Output {
  'history': (string);
  'sessionId': (string);
  'publicKey': (Buffer);
}
