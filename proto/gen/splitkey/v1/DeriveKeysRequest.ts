// Original file: proto/splitkey/v1/appliance.proto


export interface DeriveKeysRequest {
  'keyName'?: (string);
  'resourceIds'?: (Buffer | Uint8Array | string)[];
  'keyVersion'?: (number);
}

export interface DeriveKeysRequest__Output {
  'keyName': (string);
  'resourceIds': (Buffer)[];
  'keyVersion': (number);
}
