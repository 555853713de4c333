// Original file: proto/splitkey/v1/evaluator.proto


export interface GetKeyInfoRequest {
  'keyName'?: (string);
}

export interface GetKeyInfoRequest__Output {
  'keyName': (string);
}
