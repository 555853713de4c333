// Original file: proto/splitkey/v1/admin.proto


export interface RevealShareRequest {
  'keyName'?: (string);
  'sessionId'?: (string);
  'receiver'?: (number);
  'receiverAddress'?: (string);
}

export interface RevealShareRequest__Output {
  'keyName': (string);
  'sessionId': (string);
  'receiver': (number);
  'receiverAddress': (string);
}
