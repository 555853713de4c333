// Original file: proto/splitkey/v1/admin.proto


export interface OperationStatusRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
}

export interface OperationStatusRequest__Output {
  'keyName': (string);
  'sessionId': (string);
}
