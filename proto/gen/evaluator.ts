import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { EvaluateRequest as _splitkey_v1_EvaluateRequest, EvaluateRequest__Output as _splitkey_v1_EvaluateRequest__Output } from './splitkey/v1/EvaluateRequest.js';
import type { EvaluateResponse as _splitkey_v1_EvaluateResponse, EvaluateResponse__Output as _splitkey_v1_EvaluateResponse__Output } from './splitkey/v1/EvaluateResponse.js';
import type { EvaluatorClient as _splitkey_v1_EvaluatorClient, EvaluatorDefinition as _splitkey_v1_EvaluatorDefinition } from './splitkey/v1/Evaluator.js';
import type { GetKeyInfoRequest as _splitkey_v1_GetKeyInfoRequest, GetKeyInfoRequest__Output as _splitkey_v1_GetKeyInfoRequest__Output } from './splitkey/v1/GetKeyInfoRequest.js';
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
      EvaluateRequest: MessageTypeDefinition<_splitkey_v1_EvaluateRequest, _splitkey_v1_EvaluateRequest__Output>
      EvaluateResponse: MessageTypeDefinition<_splitkey_v1_EvaluateResponse, _splitkey_v1_EvaluateResponse__Output>
      Evaluator: SubtypeConstructor<typeof grpc.Client, _splitkey_v1_EvaluatorClient> & { service: _splitkey_v1_EvaluatorDefinition }
      GetKeyInfoRequest: MessageTypeDefinition<_splitkey_v1_GetKeyInfoRequest, _splitkey_v1_GetKeyInfoRequest__Output>
      KeyInfo: MessageTypeDefinition<_splitkey_v1_KeyInfo, _splitkey_v1_KeyInfo__Output>
      KeyState: EnumTypeDefinition
      KeyVersionInfo: MessageTypeDefinition<_splitkey_v1_KeyVersionInfo, _splitkey_v1_KeyVersionInfo__Output>
      NodePublicShare: MessageTypeDefinition<_splitkey_v1_NodePublicShare, _splitkey_v1_NodePublicShare__Output>
      SignedDestroyOrder: MessageTypeDefinition<_splitkey_v1_SignedDestroyOrder, _splitkey_v1_SignedDestroyOrder__Output>
    }
  }
}

