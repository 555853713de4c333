// Original file: proto/splitkey/v1/peer.proto


export interface VersionHistoryResponse {
  'history'?: (string);
}

export interface VersionHistoryResponse__Output {
  'history': (string);
}
