// Original file: proto/splitkey/v1/admin.proto

import type { Complaint as _splitkey_v1_Complaint, Complaint__Output as _splitkey_v1_Complaint__Output } from '../../splitkey/v1/Complaint.js';
import type { DealerDigest as _splitkey_v1_DealerDigest, DealerDigest__Output as _splitkey_v1_DealerDigest__Output } from '../../splitkey/v1/DealerDigest.js';

export interface OperationStatusResponse {
  'sessionId'?: (string);
  'phase'?: (string);
  'received'?: (number)[];
  'complaints'?: (_splitkey_v1_Complaint)[];
  'lastCommittedSession'?: (string);
  'receivedDigests'?: (_splitkey_v1_DealerDigest)[];
  'transcript'?: (Buffer | Uint8Array | string);
  'lastCommittedTranscript'?: (Buffer | Uint8Array | string);
  'receivers'?: (number)[];
  'dealers'?: (number)[];
  'witnesses'?: (number)[];
}

export interface OperationStatusResponse__Output {
  'sessionId': (string);
  'phase': (string);
  'received': (number)[];
  'complaints': (_splitkey_v1_Complaint__Output)[];
  'lastCommittedSession': (string);
  'receivedDigests': (_splitkey_v1_DealerDigest__Output)[];
  'transcript': (Buffer);
  'lastCommittedTranscript': (Buffer);
  'receivers': (number)[];
  'dealers': (number)[];
  'witnesses': (number)[];
}
