// Original file: proto/splitkey/v1/appliance.proto


export interface DecryptResponse {
  'plaintext'?: (Buffer | Uint8Array | string);
  'keyName'?: (string);
  'keyVersion'?: (number);
  'resourceId'?: (Buffer | Uint8Array | string);
}

export interface DecryptResponse__Output {
  'plaintext': (Buffer);
  'keyName': (string);
  'keyVersion': (number);
  'resourceId': (Buffer);
}
