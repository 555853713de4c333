// Original file: proto/splitkey/v1/admin.proto


export interface CommitOperationResponse {
  'committedNow'?: (boolean);
}

export interface CommitOperationResponse__Output {
  'committedNow': (boolean);
}
