// Original file: proto/splitkey/v1/admin.proto

import type { Complaint as _splitkey_v1_Complaint, Complaint__Output as _splitkey_v1_Complaint__Output } from '../../splitkey/v1/Complaint.js';

export interface OperationStatusResponse {
  'sessionId'?: (string);
  'phase'?: (string);
  'received'?: (number)[];
  'complaints'?: (_splitkey_v1_Complaint)[];
  'lastCommittedSession'?: (string);
}

export interface OperationStatusResponse__Output {
  'sessionId': (string);
  'phase': (string);
  'received': (number)[];
  'complaints': (_splitkey_v1_Complaint__Output)[];
  'lastCommittedSession': (string);
}
