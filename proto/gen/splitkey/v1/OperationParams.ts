// Original file: proto/splitkey/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface OperationParams {
  'sessionId'?: (string);
  'kind'?: (string);
  'keyName'?: (string);
  'keyVersion'?: (number);
  'threshold'?: (number);
  'receivers'?: (number)[];
  'dealers'?: (number)[];
  'epoch'?: (number | string | Long);
  'oldThreshold'?: (number);
  'oldNodeIndices'?: (number)[];
  'oldCommitments'?: (Buffer | Uint8Array | string)[];
  'oldEpoch'?: (number | string | Long);
  'retire'?: (number)[];
  'oldLineage'?: (Buffer | Uint8Array | string)[];
  'witnesses'?: (number)[];
}

export interface OperationParams__Output {
  'sessionId': (string);
  'kind': (string);
  'keyName': (string);
  'keyVersion': (number);
  'threshold': (number);
  'receivers': (number)[];
  'dealers': (number)[];
  'epoch': (string);
  'oldThreshold': (number);
  'oldNodeIndices': (number)[];
  'oldCommitments': (Buffer)[];
  'oldEpoch': (string);
  'retire': (number)[];
  'oldLineage': (Buffer)[];
  'witnesses': (number)[];
}
