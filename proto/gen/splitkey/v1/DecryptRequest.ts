// Original file: proto/splitkey/v1/appliance.proto


export interface DecryptRequest {
  'envelope'?: (Buffer | Uint8Array | string);
}

export interface DecryptRequest__Output {
  'envelope': (Buffer);
}
