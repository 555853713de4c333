// Original file: proto/splitkey/v1/admin.proto


export interface ListKeysRequest {
  'tenant'?: (string);
}

export interface ListKeysRequest__Output {
  'tenant': (string);
}
