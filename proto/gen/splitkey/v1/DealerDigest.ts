// Original file: proto/splitkey/v1/admin.proto


export interface DealerDigest {
  'dealer'?: (number);
  'digest'?: (Buffer | Uint8Array | string);
}

export interface DealerDigest__Output {
  'dealer': (number);
  'digest': (Buffer);
}
