// Original file: proto/splitkey/v1/admin.proto


export interface RedeliverShareRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'receiver'?: (number);
}

export interface RedeliverShareRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'receiver': (number);
}
