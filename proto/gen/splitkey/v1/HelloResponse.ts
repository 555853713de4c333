// Original file: proto/splitkey/v1/peer.proto


export interface HelloResponse {
  'nodeIndex'?: (number);
  'softwareVersion'?: (string);
}

export interface HelloResponse__Output {
  'nodeIndex': (number);
  'softwareVersion': (string);
}
