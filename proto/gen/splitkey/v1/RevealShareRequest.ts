// Original file: proto/splitkey/v1/admin.proto


export interface RevealShareRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'receiver'?: (number);
}

export interface RevealShareRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'receiver': (number);
}
