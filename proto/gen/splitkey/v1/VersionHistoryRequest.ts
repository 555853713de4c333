// Original file: proto/splitkey/v1/peer.proto


export interface VersionHistoryRequest {
  'keyName'?: (string);
  'keyVersion'?: (number);
  'ancestor'?: (Buffer | Uint8Array | string);
}

export interface VersionHistoryRequest__Output {
  'keyName': (string);
  'keyVersion': (number);
  'ancestor': (Buffer);
}
