// Original file: proto/splitkey/v1/admin.proto


export interface CanaryEvaluateRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'blindedElements'?: (Buffer | Uint8Array | string)[];
  'current'?: (boolean);
}

export interface CanaryEvaluateRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'blindedElements': (Buffer)[];
  'current': (boolean);
}
