// Original file: proto/splitkey/v1/admin.proto


export interface ImportShareResponse {
  'publicShare'?: (Buffer | Uint8Array | string);
  'created'?: (boolean);
}

export interface ImportShareResponse__Output {
  'publicShare': (Buffer);
  'created': (boolean);
}
