// Original file: proto/splitkey/v1/peer.proto


export interface SessionStateRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
}

export interface SessionStateRequest__Output {
  'keyName': (string);
  'sessionId': (string);
}
