// Original file: proto/splitkey/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeStatusResponse {
  'nodeIndex'?: (number);
  'softwareVersion'?: (string);
  'uptimeMs'?: (number | string | Long);
  'keyCount'?: (number);
  'versionCount'?: (number);
  'draining'?: (boolean);
  'unavailable'?: (string)[];
  'groupBackend'?: (string);
  'ratePerSecond'?: (number);
  'rateBurst'?: (number);
}

export interface NodeStatusResponse__Output {
  'nodeIndex': (number);
  'softwareVersion': (string);
  'uptimeMs': (string);
  'keyCount': (number);
  'versionCount': (number);
  'draining': (boolean);
  'unavailable': (string)[];
  'groupBackend': (string);
  'ratePerSecond': (number);
  'rateBurst': (number);
}
