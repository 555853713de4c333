// Original file: proto/splitkey/v1/appliance.proto


export interface DeriveKeyRequest {
  'keyName'?: (string);
  'resourceId'?: (Buffer | Uint8Array | string);
  'keyVersion'?: (number);
}

export interface DeriveKeyRequest__Output {
  'keyName': (string);
  'resourceId': (Buffer);
  'keyVersion': (number);
}
