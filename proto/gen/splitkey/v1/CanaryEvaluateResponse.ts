// Original file: proto/splitkey/v1/admin.proto


export interface CanaryEvaluateResponse {
  'nodeIndex'?: (number);
  'evaluatedElements'?: (Buffer | Uint8Array | string)[];
  'proof'?: (Buffer | Uint8Array | string);
}

export interface CanaryEvaluateResponse__Output {
  'nodeIndex': (number);
  'evaluatedElements': (Buffer)[];
  'proof': (Buffer);
}
