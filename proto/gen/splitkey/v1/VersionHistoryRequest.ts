// Original file: proto/splitkey/v1/peer.proto


export interface VersionHistoryRequest {
  'keyName'?: (string);
  'keyVersion'?: (number);
}

export interface VersionHistoryRequest__Output {
  'keyName': (string);
  'keyVersion': (number);
}
