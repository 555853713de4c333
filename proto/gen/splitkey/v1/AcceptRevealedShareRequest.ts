// Original file: proto/splitkey/v1/admin.proto


export interface AcceptRevealedShareRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'dealer'?: (number);
  'commitments'?: (Buffer | Uint8Array | string)[];
  'share'?: (Buffer | Uint8Array | string);
}

export interface AcceptRevealedShareRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'dealer': (number);
  'commitments': (Buffer)[];
  'share': (Buffer);
}
