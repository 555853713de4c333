// Original file: proto/splitkey/v1/peer.proto


export interface HelloRequest {
  'fromIndex'?: (number);
}

export interface HelloRequest__Output {
  'fromIndex': (number);
}
