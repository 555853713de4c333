// Original file: proto/splitkey/v1/admin.proto


export interface FinalizeOperationRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'qualified'?: (number)[];
  'transcript'?: (Buffer | Uint8Array | string);
}

export interface FinalizeOperationRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'qualified': (number)[];
  'transcript': (Buffer);
}
