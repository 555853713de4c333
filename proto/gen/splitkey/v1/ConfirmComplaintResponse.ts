// Original file: proto/splitkey/v1/peer.proto


export interface ConfirmComplaintResponse {
  'complains'?: (boolean);
}

export interface ConfirmComplaintResponse__Output {
  'complains': (boolean);
}
