// Original file: proto/splitkey/v1/common.proto

export const KeyState = {
  KEY_STATE_UNSPECIFIED: 'KEY_STATE_UNSPECIFIED',
  KEY_STATE_ACTIVE: 'KEY_STATE_ACTIVE',
  KEY_STATE_DECRYPT_ONLY: 'KEY_STATE_DECRYPT_ONLY',
  KEY_STATE_DESTROYED: 'KEY_STATE_DESTROYED',
} as const;

export type KeyState =
  | 'KEY_STATE_UNSPECIFIED'
  | 0
  | 'KEY_STATE_ACTIVE'
  | 1
  | 'KEY_STATE_DECRYPT_ONLY'
  | 2
  | 'KEY_STATE_DESTROYED'
  | 3

export type KeyState__Output = typeof KeyState[keyof typeof KeyState]
