// Original file: proto/splitkey/v1/admin.proto


export interface DestroyVersionResponse {
  'destroyedNow'?: (boolean);
}

export interface DestroyVersionResponse__Output {
  'destroyedNow': (boolean);
}
