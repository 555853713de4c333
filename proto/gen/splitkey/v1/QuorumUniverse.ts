// Original file: proto/splitkey/v1/admin.proto


export interface QuorumUniverse {
  'nodes'?: (number)[];
  'minThreshold'?: (number);
}

export interface QuorumUniverse__Output {
  'nodes': (number)[];
  'minThreshold': (number);
}
