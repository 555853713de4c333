// Original file: proto/splitkey/v1/appliance.proto


export interface DeriveKeyResponse {
  'key'?: (Buffer | Uint8Array | string);
  'keyVersion'?: (number);
}

export interface DeriveKeyResponse__Output {
  'key': (Buffer);
  'keyVersion': (number);
}
