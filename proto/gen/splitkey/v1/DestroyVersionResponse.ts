// Original file: proto/splitkey/v1/admin.proto


export interface DestroyVersionResponse {
  'destroyedNow'?: (boolean);
  'receipt'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
  'certificate'?: (string);
  'orderKept'?: (boolean);
}

export interface DestroyVersionResponse__Output {
  'destroyedNow': (boolean);
  'receipt': (Buffer);
  'signature': (Buffer);
  'certificate': (string);
  'orderKept': (boolean);
}
