// Original file: proto/splitkey/v1/appliance.proto


export interface DeriveKeysResponse {
  'keys'?: (Buffer | Uint8Array | string)[];
  'keyVersion'?: (number);
}

export interface DeriveKeysResponse__Output {
  'keys': (Buffer)[];
  'keyVersion': (number);
}
