// Original file: proto/splitkey/v1/evaluator.proto


export interface EvaluateRequest {
  'keyName'?: (string);
  'keyVersion'?: (number);
  'blindedElements'?: (Buffer | Uint8Array | string)[];
}

export interface EvaluateRequest__Output {
  'keyName': (string);
  'keyVersion': (number);
  'blindedElements': (Buffer)[];
}
