// Original file: proto/splitkey/v1/appliance.proto


export interface EncryptRequest {
  'keyName'?: (string);
  'resourceId'?: (Buffer | Uint8Array | string);
  'plaintext'?: (Buffer | Uint8Array | string);
}

export interface EncryptRequest__Output {
  'keyName': (string);
  'resourceId': (Buffer);
  'plaintext': (Buffer);
}
