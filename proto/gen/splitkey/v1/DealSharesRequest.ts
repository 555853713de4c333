// Original file: proto/splitkey/v1/admin.proto


export interface DealSharesRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
}

export interface DealSharesRequest__Output {
  'keyName': (string);
  'sessionId': (string);
}
