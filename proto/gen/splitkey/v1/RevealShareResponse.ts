// Original file: proto/splitkey/v1/admin.proto


export interface RevealShareResponse {
  'share'?: (Buffer | Uint8Array | string);
}

export interface RevealShareResponse__Output {
  'share': (Buffer);
}
