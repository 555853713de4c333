// Original file: proto/splitkey/v1/admin.proto


export interface RedeliverShareResponse {
  'accepted'?: (boolean);
  'complaint'?: (string);
}

export interface RedeliverShareResponse__Output {
  'accepted': (boolean);
  'complaint': (string);
}
