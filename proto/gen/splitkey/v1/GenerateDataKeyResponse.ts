// Original file: proto/splitkey/v1/appliance.proto


export interface GenerateDataKeyResponse {
  'plaintext'?: (Buffer | Uint8Array | string);
  'wrapped'?: (Buffer | Uint8Array | string);
  'keyVersion'?: (number);
}

export interface GenerateDataKeyResponse__Output {
  'plaintext': (Buffer);
  'wrapped': (Buffer);
  'keyVersion': (number);
}
