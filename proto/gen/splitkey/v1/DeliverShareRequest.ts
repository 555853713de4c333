// Original file: proto/splitkey/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface DeliverShareRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'dealer'?: (number);
  'commitments'?: (Buffer | Uint8Array | string)[];
  'share'?: (Buffer | Uint8Array | string);
  'queriesAnswered'?: (number | string | Long);
}

export interface DeliverShareRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'dealer': (number);
  'commitments': (Buffer)[];
  'share': (Buffer);
  'queriesAnswered': (string);
}
