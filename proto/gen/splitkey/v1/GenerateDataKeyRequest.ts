// Original file: proto/splitkey/v1/appliance.proto


export interface GenerateDataKeyRequest {
  'keyName'?: (string);
  'resourceId'?: (Buffer | Uint8Array | string);
}

export interface GenerateDataKeyRequest__Output {
  'keyName': (string);
  'resourceId': (Buffer);
}
