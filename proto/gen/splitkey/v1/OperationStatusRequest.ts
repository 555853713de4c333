// Original file: proto/splitkey/v1/admin.proto


export interface OperationStatusRequest {
  'keyName'?: (string);
}

export interface OperationStatusRequest__Output {
  'keyName': (string);
}
