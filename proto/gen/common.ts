import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { KeyInfo as _splitkey_v1_KeyInfo, KeyInfo__Output as _splitkey_v1_KeyInfo__Output } from './splitkey/v1/KeyInfo.js';
import type { KeyVersionInfo as _splitkey_v1_KeyVersionInfo, KeyVersionInfo__Output as _splitkey_v1_KeyVersionInfo__Output } from './splitkey/v1/KeyVersionInfo.js';
import type { NodePublicShare as _splitkey_v1_NodePublicShare, NodePublicShare__Output as _splitkey_v1_NodePublicShare__Output } from './splitkey/v1/NodePublicShare.js';
import type { SignedDestroyOrder as _splitkey_v1_SignedDestroyOrder, SignedDestroyOrder__Output as _splitkey_v1_SignedDestroyOrder__Output } from './splitkey/v1/SignedDestroyOrder.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  splitkey: {
    v1: {
      KeyInfo: MessageTypeDefinition<_splitkey_v1_KeyInfo, _splitkey_v1_KeyInfo__Output>
      KeyState: EnumTypeDefinition
      KeyVersionInfo: MessageTypeDefinition<_splitkey_v1_KeyVersionInfo, _splitkey_v1_KeyVersionInfo__Output>
      NodePublicShare: MessageTypeDefinition<_splitkey_v1_NodePublicShare, _splitkey_v1_NodePublicShare__Output>
      SignedDestroyOrder: MessageTypeDefinition<_splitkey_v1_SignedDestroyOrder, _splitkey_v1_SignedDestroyOrder__Output>
    }
  }
}

