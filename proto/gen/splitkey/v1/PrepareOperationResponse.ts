// Original file: proto/splitkey/v1/admin.proto


export interface PrepareOperationResponse {
  'commitments'?: (Buffer | Uint8Array | string)[];
}

export interface PrepareOperationResponse__Output {
  'commitments': (Buffer)[];
}
