// Original file: proto/splitkey/v1/peer.proto


export interface DeliverShareResponse {
  'accepted'?: (boolean);
  'complaint'?: (string);
}

export interface DeliverShareResponse__Output {
  'accepted': (boolean);
  'complaint': (string);
}
