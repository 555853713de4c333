// Original file: proto/splitkey/v1/common.proto


export interface NodePublicShare {
  'index'?: (number);
  'publicShare'?: (Buffer | Uint8Array | string);
}

export interface NodePublicShare__Output {
  'index': (number);
  'publicShare': (Buffer);
}
