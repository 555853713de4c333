// Original file: proto/splitkey/v1/evaluator.proto

import type { Long } from '@grpc/proto-loader';

export interface EvaluateResponse {
  'nodeIndex'?: (number);
  'keyVersion'?: (number);
  'epoch'?: (number | string | Long);
  'evaluatedElements'?: (Buffer | Uint8Array | string)[];
  'proof'?: (Buffer | Uint8Array | string);
}

export interface EvaluateResponse__Output {
  'nodeIndex': (number);
  'keyVersion': (number);
  'epoch': (string);
  'evaluatedElements': (Buffer)[];
  'proof': (Buffer);
}
