// Original file: proto/splitkey/v1/admin.proto


export interface DestroyVersionRequest {
  'keyName'?: (string);
  'keyVersion'?: (number);
  'expectedRecord'?: (Buffer | Uint8Array | string);
}

export interface DestroyVersionRequest__Output {
  'keyName': (string);
  'keyVersion': (number);
  'expectedRecord': (Buffer);
}
