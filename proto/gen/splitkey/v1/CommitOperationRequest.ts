// Original file: proto/splitkey/v1/admin.proto


export interface CommitOperationRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
}

export interface CommitOperationRequest__Output {
  'keyName': (string);
  'sessionId': (string);
}
