// Original file: proto/splitkey/v1/common.proto


export interface SignedDestroyOrder {
  'order'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
  'certificate'?: (string);
}

export interface SignedDestroyOrder__Output {
  'order': (Buffer);
  'signature': (Buffer);
  'certificate': (string);
}
