// Original file: proto/splitkey/v1/admin.proto


export interface KeyStatusRequest {
  'keyName'?: (string);
}

export interface KeyStatusRequest__Output {
  'keyName': (string);
}
