// Original file: proto/splitkey/v1/peer.proto


export interface ConfirmComplaintRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'dealer'?: (number);
}

export interface ConfirmComplaintRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'dealer': (number);
}
