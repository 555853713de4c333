// Original file: proto/splitkey/v1/admin.proto


export interface AbortOperationResponse {
  'abortedSession'?: (string);
}

export interface AbortOperationResponse__Output {
  'abortedSession': (string);
}
