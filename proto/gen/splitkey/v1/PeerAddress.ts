// Original file: proto/splitkey/v1/admin.proto


export interface PeerAddress {
  'index'?: (number);
  'address'?: (string);
}

export interface PeerAddress__Output {
  'index': (number);
  'address': (string);
}
