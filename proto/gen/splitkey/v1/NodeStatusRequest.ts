// Original file: proto/splitkey/v1/admin.proto


export interface NodeStatusRequest {
}

export interface NodeStatusRequest__Output {
}
