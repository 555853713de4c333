// Original file: proto/splitkey/v1/admin.proto


export interface DealSharesResponse {
  'delivered'?: (number)[];
  'failed'?: (string)[];
}

export interface DealSharesResponse__Output {
  'delivered': (number)[];
  'failed': (string)[];
}
