// Original file: proto/splitkey/v1/admin.proto


export interface AbortOperationRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
}

export interface AbortOperationRequest__Output {
  'keyName': (string);
  'sessionId': (string);
}
