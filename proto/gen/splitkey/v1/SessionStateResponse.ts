// Original file: proto/splitkey/v1/peer.proto


export interface SessionStateResponse {
  'phase'?: (string);
  'transcript'?: (Buffer | Uint8Array | string);
  'paramsDigest'?: (Buffer | Uint8Array | string);
}

export interface SessionStateResponse__Output {
  'phase': (string);
  'transcript': (Buffer);
  'paramsDigest': (Buffer);
}
