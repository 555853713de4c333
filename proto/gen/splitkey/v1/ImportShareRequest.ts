// Original file: proto/splitkey/v1/admin.proto


export interface ImportShareRequest {
  'keyName'?: (string);
  'keyVersion'?: (number);
  'threshold'?: (number);
  'nodeIndices'?: (number)[];
  'commitments'?: (Buffer | Uint8Array | string)[];
  'nodeIndex'?: (number);
  'share'?: (Buffer | Uint8Array | string);
}

export interface ImportShareRequest__Output {
  'keyName': (string);
  'keyVersion': (number);
  'threshold': (number);
  'nodeIndices': (number)[];
  'commitments': (Buffer)[];
  'nodeIndex': (number);
  'share': (Buffer);
}
