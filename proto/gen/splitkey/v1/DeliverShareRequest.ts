// Original file: proto/splitkey/v1/peer.proto


export interface DeliverShareRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'dealer'?: (number);
  'commitments'?: (Buffer | Uint8Array | string)[];
  'share'?: (Buffer | Uint8Array | string);
}

export interface DeliverShareRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'dealer': (number);
  'commitments': (Buffer)[];
  'share': (Buffer);
}
