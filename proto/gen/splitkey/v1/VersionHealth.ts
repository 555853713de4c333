// Original file: proto/splitkey/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface VersionHealth {
  'version'?: (number);
  'status'?: (string);
  'queries'?: (number | string | Long);
}

export interface VersionHealth__Output {
  'version': (number);
  'status': (string);
  'queries': (string);
}
