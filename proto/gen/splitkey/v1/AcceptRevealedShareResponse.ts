// Original file: proto/splitkey/v1/admin.proto


export interface AcceptRevealedShareResponse {
}

export interface AcceptRevealedShareResponse__Output {
}
