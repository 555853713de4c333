// Original file: proto/splitkey/v1/admin.proto


export interface FinalizeOperationResponse {
  'publicShare'?: (Buffer | Uint8Array | string);
  'commitments'?: (Buffer | Uint8Array | string)[];
}

export interface FinalizeOperationResponse__Output {
  'publicShare': (Buffer);
  'commitments': (Buffer)[];
}
