// Original file: proto/splitkey/v1/appliance.proto


export interface EncryptResponse {
  'envelope'?: (Buffer | Uint8Array | string);
  'keyVersion'?: (number);
}

export interface EncryptResponse__Output {
  'envelope': (Buffer);
  'keyVersion': (number);
}
