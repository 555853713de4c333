// Original file: proto/splitkey/v1/admin.proto


export interface KeySummary {
  'keyName'?: (string);
  'versions'?: (number)[];
}

export interface KeySummary__Output {
  'keyName': (string);
  'versions': (number)[];
}
