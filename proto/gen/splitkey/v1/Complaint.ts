// Original file: proto/splitkey/v1/admin.proto


export interface Complaint {
  'dealer'?: (number);
  'reason'?: (string);
}

export interface Complaint__Output {
  'dealer': (number);
  'reason': (string);
}
